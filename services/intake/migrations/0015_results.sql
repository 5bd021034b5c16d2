-- The signed document issued to each dossier, kept when routing announces it: the result (releasing,
-- portal code 9) or a refusal letter (denied), by reference only (its body is in the object store under
-- its SHA-256), and how the result was returned, once: handed over at the counter by a receiver,
-- delivered by the postal service, or downloaded by the applicant. Nothing personal: the returner is
-- clerk:<id>, postal:<tracking id> or citizen.
CREATE TABLE dossier_results (
    dossier_id   uuid        PRIMARY KEY REFERENCES dossiers (id),
    kind         text        NOT NULL CHECK (kind IN ('result', 'refusal')),
    document_id  uuid        NOT NULL,
    name         text        NOT NULL,
    media_type   text        NOT NULL,
    size         bigint      NOT NULL CHECK (size > 0),
    sha256       text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    issued_by    text,
    delivery     text        CHECK (delivery IN ('counter', 'post', 'online')),
    kept_at      timestamptz NOT NULL,
    returned_way text        CHECK (returned_way IN ('counter', 'post', 'online')),
    returned_by  text,
    returned_at  timestamptz,
    CHECK ((returned_at IS NULL) = (returned_way IS NULL) AND (returned_at IS NULL) = (returned_by IS NULL)),
    CHECK (kind = 'result' OR returned_at IS NULL)
);

-- A result the applicant chose to receive by post: handed to the postal service once, under the dossier's
-- code as the idempotent reference, by whichever instance claims it (due time leased, SKIP LOCKED), tried
-- again with growing delays while the service is down; delivered when its signed callback says so.
CREATE TABLE result_shipments (
    id              uuid        PRIMARY KEY,
    dossier_id      uuid        NOT NULL UNIQUE REFERENCES dossiers (id),
    reference       text        NOT NULL UNIQUE,
    status          text        NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'shipped', 'delivered', 'refused', 'not-needed')),
    tracking_id     text        UNIQUE,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    claim           uuid,
    last_error      text,
    created_at      timestamptz NOT NULL,
    shipped_at      timestamptz,
    delivered_at    timestamptz,
    CHECK (status IN ('pending', 'refused', 'not-needed') OR tracking_id IS NOT NULL)
);
CREATE INDEX result_shipments_due ON result_shipments (next_attempt_at) WHERE status = 'pending';
