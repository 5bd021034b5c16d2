CREATE TABLE tasks (
    id             uuid PRIMARY KEY,
    dossier_id     uuid        NOT NULL,
    dossier_code   text        NOT NULL,
    unit_code      text        NOT NULL,
    procedure_code text        NOT NULL,
    status         text        NOT NULL DEFAULT 'open',
    version        integer     NOT NULL DEFAULT 1,
    reason         text,
    completed_by   text,
    assigned_at    timestamptz NOT NULL,
    completed_at   timestamptz
);
CREATE INDEX tasks_by_unit ON tasks (unit_code, status, assigned_at);
