-- The operators' replays of dead letters are kept as they happened: rows are added, never
-- changed or removed (refuse_change() stops everyone; the CLI's role has no UPDATE, DELETE or
-- TRUNCATE on it).
CREATE TRIGGER dead_letter_replays_insert_only BEFORE UPDATE OR DELETE ON dead_letter_replays
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER dead_letter_replays_no_truncate BEFORE TRUNCATE ON dead_letter_replays
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
