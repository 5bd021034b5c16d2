-- What intake asks the national payment platform to collect for a dossier: its fees at receipt
-- (purpose receipt-fees, one per dossier, while it is new) or a financial obligation a unit notified
-- (purpose obligation, one per status change to paying). The row's id is the merchant_ref the platform
-- knows it by, so a creation sent again is the same payment; whichever instance claims a due row
-- (next_attempt_at leased, SKIP LOCKED) creates it, tried again with growing delays while the platform
-- is down. Paid when the platform's signed callback says so, with its e-receipt kept as a document of
-- the dossier. Nothing personal: amounts, what for (the catalogue's or the unit's words), ids.
CREATE TABLE payments (
    id                  uuid        PRIMARY KEY,
    dossier_id          uuid        NOT NULL REFERENCES dossiers (id),
    purpose             text        NOT NULL CHECK (purpose IN ('receipt-fees', 'obligation')),
    cause               text        NOT NULL,
    amount_vnd          bigint      NOT NULL CHECK (amount_vnd > 0),
    description         text        NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
    status              text        NOT NULL DEFAULT 'due' CHECK (status IN ('due', 'pending', 'paid', 'failed')),
    created_at          timestamptz NOT NULL,
    attempts            integer     NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz,
    claim               uuid,
    last_error          text,
    platform_payment_id text        UNIQUE,
    pay_url             text,
    qr_payload          text,
    requested_at        timestamptz,
    transaction_id      text,
    paid_at             timestamptz,
    receipt_document_id uuid        REFERENCES documents (id),
    -- One payment per cause of a dossier: 'receipt-fees', or 'obligation:<status sequence>'.
    UNIQUE (dossier_id, cause),
    CHECK ((status = 'paid') = (paid_at IS NOT NULL)),
    CHECK (status <> 'paid' OR (transaction_id IS NOT NULL AND receipt_document_id IS NOT NULL))
);

-- Due creations, soonest first.
CREATE INDEX payments_due ON payments (next_attempt_at) WHERE status = 'due';
-- A dossier's payments, oldest first (its view and lookup).
CREATE INDEX payments_by_dossier ON payments (dossier_id, created_at);
-- The fees of new dossiers still unpaid: where the creator looks for receipt fees to collect.
CREATE INDEX dossier_fees_unpaid ON dossier_fees (dossier_id) WHERE paid_at IS NULL;
