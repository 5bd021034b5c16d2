CREATE TABLE dossiers (
    id             uuid PRIMARY KEY,
    code           text        NOT NULL UNIQUE,
    procedure_code text        NOT NULL,
    commune_code   text        NOT NULL,
    province_code  text        NOT NULL,
    applicant      jsonb       NOT NULL,
    received_at    timestamptz NOT NULL,
    status         text        NOT NULL,
    catalogue_version text     NOT NULL,
    updated_at     timestamptz NOT NULL
);

CREATE TABLE tasks (
    id           uuid PRIMARY KEY,
    dossier_id   uuid        NOT NULL REFERENCES dossiers (id),
    unit_code    text        NOT NULL,
    status       text        NOT NULL DEFAULT 'open',
    reason       text,
    assigned_at  timestamptz NOT NULL,
    completed_at timestamptz
);
CREATE INDEX tasks_by_dossier ON tasks (dossier_id);
