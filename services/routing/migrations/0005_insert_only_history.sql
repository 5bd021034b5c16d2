-- The routing audit is kept as it happened: rows are added, never changed or removed
-- (refuse_change() stops everyone; the service's role has no UPDATE, DELETE or TRUNCATE on it).
CREATE TRIGGER routing_audit_insert_only BEFORE UPDATE OR DELETE ON routing_audit
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER routing_audit_no_truncate BEFORE TRUNCATE ON routing_audit
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
