-- The public board's daily root of the journals (services/department/journal_roots.py).
-- Each sealing service's root of a day, as its journal.day-sealed event gave it; the first one kept.
CREATE TABLE journal_service_roots (
    day         date        NOT NULL,
    service     text        NOT NULL,
    root        text        NOT NULL,
    chains      bigint      NOT NULL,
    entries     bigint      NOT NULL,
    sealed_at   timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (day, service)
);

-- The day's root once every sealing service's root is in: SHA-256 over the sorted `service:root` lines.
CREATE TABLE journal_day_roots (
    day         date        PRIMARY KEY,
    root        text        NOT NULL,
    combined_at timestamptz NOT NULL
);

-- What the board published is kept as published: rows are added, never changed or removed.
CREATE TRIGGER journal_service_roots_insert_only BEFORE UPDATE OR DELETE ON journal_service_roots
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER journal_service_roots_no_truncate BEFORE TRUNCATE ON journal_service_roots
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER journal_day_roots_insert_only BEFORE UPDATE OR DELETE ON journal_day_roots
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER journal_day_roots_no_truncate BEFORE TRUNCATE ON journal_day_roots
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
