-- The number (sequence) of routing's last status change intake applied to the dossier; a
-- change numbered no higher is stale (a replay, a redelivery) and changes nothing.
-- 0: none numbered yet (dossiers whose changes all came before routing numbered them).
ALTER TABLE dossiers ADD COLUMN status_sequence integer NOT NULL DEFAULT 0;
