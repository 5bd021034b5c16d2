-- Finished deliveries are pruned, and their personal data (recipient, texts, the portal record,
-- the status change they came from) pseudonymised, once past their retention
-- (services/notification/adapters/retention.py). A delivery an operator's retry or a fallback
-- refers to stays, pseudonymised.
ALTER TABLE deliveries ADD COLUMN pseudonymised_at timestamptz;
CREATE INDEX deliveries_finished ON deliveries (finished_at) WHERE state IN ('delivered', 'dead-lettered');
CREATE INDEX deliveries_fallbacks ON deliveries (fallback_of) WHERE fallback_of IS NOT NULL;
