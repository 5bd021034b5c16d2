-- The dossier's plan (stages, tasks, routing decisions) lives in one JSON document,
-- read and written under the dossier's row lock. The skeleton's single-task table goes.
ALTER TABLE dossiers ADD COLUMN plan jsonb;
ALTER TABLE dossiers ADD COLUMN rules_version text;
DROP TABLE tasks;

-- Every routing decision and re-routing, kept for the plan's explanation.
CREATE TABLE routing_audit (
    id                bigserial PRIMARY KEY,
    dossier_id        uuid        NOT NULL REFERENCES dossiers (id),
    at                timestamptz NOT NULL,
    action            text        NOT NULL,
    task_key          text,
    from_unit         text,
    to_unit           text,
    rule              text,
    catalogue_version text        NOT NULL,
    rules_version     text        NOT NULL,
    detail            text        NOT NULL
);
CREATE INDEX routing_audit_by_dossier ON routing_audit (dossier_id, id);
