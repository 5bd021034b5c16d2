-- One row per (status-change event, channel): what the applicant was told.
CREATE TABLE ledger (
    id           bigserial PRIMARY KEY,
    event_id     uuid        NOT NULL,
    channel      text        NOT NULL,
    dossier_id   uuid        NOT NULL,
    dossier_code text        NOT NULL,
    status       text        NOT NULL,
    recipient    text        NOT NULL,
    message      text        NOT NULL,
    state        text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, channel)
);
CREATE INDEX ledger_by_dossier ON ledger (dossier_code, id);
