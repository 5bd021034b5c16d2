-- What the retention worker prunes (shared/kernel/retention.py), oldest first, without reading
-- the whole table: inbox rows, published outbox rows and stored idempotent answers by age.
CREATE INDEX inbox_received_at ON inbox (received_at);
CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL;
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
