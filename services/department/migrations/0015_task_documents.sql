-- The dossier's documents a task's clerks may read: those routing sent with the assignment and with
-- each resumption (supplements, a payment receipt), by reference: id, name, type, size and SHA-256
-- (the body is in the object store under its hash). Kept as received: insert-only.
CREATE TABLE task_documents (
    task_id        uuid        NOT NULL,
    document_id    uuid        NOT NULL,
    name           text        NOT NULL,
    media_type     text        NOT NULL CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size           bigint      NOT NULL CHECK (size > 0),
    sha256         text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    role           text        NOT NULL,
    catalogue_key  text,
    received_at    timestamptz NOT NULL,
    PRIMARY KEY (task_id, document_id)
);
CREATE TRIGGER task_documents_insert_only BEFORE UPDATE OR DELETE ON task_documents
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER task_documents_no_truncate BEFORE TRUNCATE ON task_documents
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Results handed back to applicants, by the unit that issued them and the dossier's province: the
-- public board compares each return with the appointment on the receipt (due_at). One per dossier
-- (routing returns a result once); insert-only.
CREATE TABLE results_returned (
    dossier_id     uuid        PRIMARY KEY,
    dossier_code   text        NOT NULL,
    unit_code      text        NOT NULL,
    province_code  text        NOT NULL CHECK (province_code ~ '^\d{2}$'),
    way            text        NOT NULL CHECK (way IN ('counter', 'post', 'online')),
    due_at         timestamptz NOT NULL,
    returned_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL
);
CREATE INDEX results_returned_by_unit ON results_returned (unit_code, returned_at);
CREATE INDEX results_returned_by_province ON results_returned (province_code, returned_at);
CREATE TRIGGER results_returned_insert_only BEFORE UPDATE OR DELETE ON results_returned
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER results_returned_no_truncate BEFORE TRUNCATE ON results_returned
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
