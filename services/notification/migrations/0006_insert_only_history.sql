-- The operators' retries of dead-lettered deliveries are kept as they happened: rows are added,
-- never changed or removed (refuse_change() stops everyone; the service's role has no UPDATE,
-- DELETE or TRUNCATE on it).
CREATE TRIGGER delivery_retries_insert_only BEFORE UPDATE OR DELETE ON delivery_retries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER delivery_retries_no_truncate BEFORE TRUNCATE ON delivery_retries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
