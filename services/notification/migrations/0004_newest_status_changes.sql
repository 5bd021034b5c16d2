-- Per dossier, the number (sequence) of the newest status change deliveries were planned
-- for. A change numbered no higher is stale (a replay, a redelivery, an older change arriving
-- after a newer one) and plans nothing, so the portal never receives a record out of order.
-- 0: the newest was from before routing numbered its changes (dossiers without a row: none yet).
CREATE TABLE newest_status_changes (
    dossier_id uuid    PRIMARY KEY,
    sequence   integer NOT NULL
);
