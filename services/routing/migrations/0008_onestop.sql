-- The documents of each dossier, by reference: what routing tells the units it assigns (never a
-- body, which the object store keeps under its SHA-256). Papers handed in at filing and
-- submission, supplements and payment receipts, in the order they came; kept as they were.
CREATE TABLE dossier_documents (
    id            bigserial   PRIMARY KEY,
    dossier_id    uuid        NOT NULL REFERENCES dossiers (id),
    document_id   uuid        NOT NULL,
    sha256        text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    name          text        NOT NULL,
    media_type    text        NOT NULL,
    size          bigint      NOT NULL CHECK (size > 0),
    role          text        NOT NULL,
    catalogue_key text,
    added_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (dossier_id, document_id)
);

CREATE TRIGGER dossier_documents_insert_only BEFORE UPDATE OR DELETE ON dossier_documents
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER dossier_documents_no_truncate BEFORE TRUNCATE ON dossier_documents
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
