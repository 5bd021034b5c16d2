-- One row per operator's retry of a dead-lettered delivery (POST /v1/deliveries/{id}/retry):
-- who asked, why, and the error the delivery had, written in the transaction that requeues it.
CREATE TABLE delivery_retries (
    id           bigserial   PRIMARY KEY,
    delivery_id  bigint      NOT NULL REFERENCES deliveries (id),
    dossier_code text        NOT NULL,
    channel      text        NOT NULL,
    error_before text,
    retried_by   text        NOT NULL,
    reason       text        NOT NULL,
    retried_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX delivery_retries_by_delivery ON delivery_retries (delivery_id, id);
CREATE INDEX delivery_retries_by_dossier ON delivery_retries (dossier_code, id);

-- The operator CLI used to keep these records itself, in operations.delivery_retries; the
-- deployed service (schema notification) takes over those of its own deliveries.
DO $$
BEGIN
    -- Only where the migrating role may see the operators' schema: a notification owner role,
    -- which has no rights on it, meets a database that never had the old table.
    IF current_schema() = 'notification' AND has_schema_privilege(
        COALESCE(to_regnamespace('operations'), 'pg_catalog'::regnamespace), 'USAGE'
    ) THEN
        IF to_regclass('operations.delivery_retries') IS NOT NULL THEN
            INSERT INTO delivery_retries (delivery_id, dossier_code, channel, error_before, retried_by, reason, retried_at)
            SELECT r.delivery_id, r.dossier_code, r.channel, r.error_before, r.retried_by, r.reason, r.retried_at
            FROM operations.delivery_retries r
            WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.id = r.delivery_id)
            ORDER BY r.id;
        END IF;
    END IF;
END $$;
