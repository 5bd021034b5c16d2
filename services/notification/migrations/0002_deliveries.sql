-- One row per (status-change event, channel): a message to the applicant (sms, email, zalo)
-- or a status record to the national portal (portal). The row is the unit of delivery:
-- planned in the consumer's transaction, claimed with a lease by a delivery worker, tried
-- until delivered or dead-lettered. Rows of one dossier and channel are sent in id order.
CREATE TABLE deliveries (
    id              bigserial PRIMARY KEY,
    event_id        uuid        NOT NULL,
    channel         text        NOT NULL CHECK (channel IN ('sms', 'email', 'zalo', 'portal')),
    dossier_id      uuid        NOT NULL,
    dossier_code    text        NOT NULL,
    status          text        NOT NULL,
    language        text        NOT NULL,
    recipient       text        NOT NULL,
    subject         text,
    message         text        NOT NULL,
    record          jsonb,
    event           jsonb       NOT NULL,
    trace_carrier   jsonb       NOT NULL DEFAULT '{}',
    fallback_of     bigint REFERENCES deliveries (id),
    state           text        NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sending', 'delivered', 'dead-lettered')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    provider_ref    text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    UNIQUE (event_id, channel)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state IN ('pending', 'sending');
CREATE INDEX deliveries_in_order ON deliveries (dossier_id, channel, id) WHERE state IN ('pending', 'sending');
CREATE INDEX deliveries_by_dossier ON deliveries (dossier_code, id);
CREATE INDEX deliveries_dead ON deliveries (finished_at DESC) WHERE state = 'dead-lettered';

-- The ledger recorded what the applicant would be told before any channel sent it; its
-- rows were never sent, so nothing of it carries over.
DROP TABLE ledger;
