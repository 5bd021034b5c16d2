-- Documents handed in: what each file is and its SHA-256; the body is in the object store under
-- sha256/<2 hex>/<hash> (shared/contracts/documents.py), stored before its row is written.
-- The owner is who uploaded it (client:<id>, clerk:<id>, citizen:<pseudonym>) or the dossier it was
-- uploaded for (dossier:<id>); the same bytes uploaded again by the same owner are the same document.
CREATE TABLE documents (
    id          uuid        PRIMARY KEY,
    owner       text        NOT NULL,
    sha256      text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    media_type  text        NOT NULL CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size        bigint      NOT NULL CHECK (size > 0),
    uploaded_at timestamptz NOT NULL,
    UNIQUE (owner, sha256)
);

-- The documents of a dossier: papers handed in (component, with the catalogue's key), supplements,
-- receipts of payments, results. Rows are only added.
CREATE TABLE dossier_documents (
    id            bigserial   PRIMARY KEY,
    dossier_id    uuid        NOT NULL REFERENCES dossiers (id),
    document_id   uuid        NOT NULL REFERENCES documents (id),
    catalogue_key text,
    role          text        NOT NULL,
    added_at      timestamptz NOT NULL,
    UNIQUE NULLS NOT DISTINCT (dossier_id, document_id, role, catalogue_key)
);
CREATE INDEX dossier_documents_by_dossier ON dossier_documents (dossier_id, id);

-- The fees paid at receipt, as the catalogue set them when the dossier was filed; a dossier is
-- complete only once each is paid (the payment's id and time, set by the payment's callback).
CREATE TABLE dossier_fees (
    dossier_id uuid        NOT NULL REFERENCES dossiers (id),
    position   integer     NOT NULL,
    name_vi    text        NOT NULL,
    name_en    text        NOT NULL,
    amount_vnd bigint      NOT NULL CHECK (amount_vnd > 0),
    paid_at    timestamptz,
    payment_id uuid,
    PRIMARY KEY (dossier_id, position)
);

-- How the applicant chose to receive the result, and the address for the post (personal data,
-- cleared with the applicant's when the dossier's retention ends).
ALTER TABLE dossiers
    ADD COLUMN result_delivery text NOT NULL DEFAULT 'counter' CHECK (result_delivery IN ('counter', 'post', 'online')),
    ADD COLUMN postal_address  text;
