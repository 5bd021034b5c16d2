-- A dossier's history is kept as it happened: rows are added, never changed or removed
-- (refuse_change() stops everyone; the service's role has no UPDATE, DELETE or TRUNCATE on it).
CREATE TRIGGER dossier_history_insert_only BEFORE UPDATE OR DELETE ON dossier_history
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER dossier_history_no_truncate BEFORE TRUNCATE ON dossier_history
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
