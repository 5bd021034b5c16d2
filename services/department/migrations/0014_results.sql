-- The signed documents the units issued: a dossier's result after its last stage, or the letter of
-- the unit that refused it, by reference (the body is in the object store under its SHA-256, put
-- there before this row). One per task and kind: a request for a document already issued issues
-- nothing new. The signer is the signing certificate's subject (a unit, never a person).
-- Kept as issued: insert-only.
CREATE TABLE results (
    task_id        uuid        NOT NULL,
    kind           text        NOT NULL CHECK (kind IN ('result', 'refusal')),
    dossier_id     uuid        NOT NULL,
    dossier_code   text        NOT NULL,
    unit_code      text        NOT NULL,
    procedure_code text        NOT NULL,
    layout         text        NOT NULL,
    document_id    uuid        NOT NULL UNIQUE,
    name           text        NOT NULL,
    media_type     text        NOT NULL CHECK (media_type = 'application/pdf'),
    size           bigint      NOT NULL CHECK (size > 0),
    sha256         text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    signer         text        NOT NULL,
    issued_at      timestamptz NOT NULL,
    PRIMARY KEY (task_id, kind)
);
CREATE INDEX results_by_dossier ON results (dossier_id);
CREATE TRIGGER results_insert_only BEFORE UPDATE OR DELETE ON results
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER results_no_truncate BEFORE TRUNCATE ON results
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
