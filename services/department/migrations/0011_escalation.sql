-- Escalation of overdue tasks along the province's ladder (shared/reference/escalation.yaml).

-- One clock per overdue task: the instant it became overdue, the next step of its ladder and
-- when to look at it again (NULL: the ladder is done, or stopped because the task finished,
-- waits for supplements or was extended). The escalator locks due clocks FOR UPDATE SKIP
-- LOCKED, so instances share them.
CREATE TABLE escalation_clocks (
    task_id     uuid PRIMARY KEY,
    overdue_at  timestamptz NOT NULL,
    next_step   integer     NOT NULL DEFAULT 1,
    next_at     timestamptz
);
CREATE INDEX escalation_clocks_due ON escalation_clocks (next_at) WHERE next_at IS NOT NULL;

-- The overdue mark starts the clock in the scheduler's own transaction.
CREATE FUNCTION escalation_clock_follows_overdue() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF NEW.kind = 'overdue' THEN
        INSERT INTO escalation_clocks (task_id, overdue_at, next_at) VALUES (NEW.task_id, NEW.reached_at, NEW.reached_at)
        ON CONFLICT (task_id) DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER deadline_marks_escalation AFTER INSERT ON deadline_marks
    FOR EACH ROW EXECUTE FUNCTION escalation_clock_follows_overdue();

-- Tasks overdue before this migration and still unfinished climb the ladder too.
INSERT INTO escalation_clocks (task_id, overdue_at, next_at)
    SELECT m.task_id, m.reached_at, m.reached_at FROM deadline_marks m JOIN tasks t ON t.id = m.task_id
    WHERE m.kind = 'overdue' AND t.completed_at IS NULL;

-- Each step taken, once per task (the primary key), in the transaction that puts its event in
-- the outbox. Kept as it happened: insert-only.
CREATE TABLE task_escalations (
    task_id         uuid        NOT NULL,
    step            integer     NOT NULL CHECK (step >= 1),
    audience        text        NOT NULL,
    ladder_version  text        NOT NULL,
    due_at          timestamptz NOT NULL,
    falls_at        timestamptz NOT NULL,
    escalated_at    timestamptz NOT NULL,
    PRIMARY KEY (task_id, step)
);
CREATE TRIGGER task_escalations_insert_only BEFORE UPDATE OR DELETE ON task_escalations
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER task_escalations_no_truncate BEFORE TRUNCATE ON task_escalations
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Overdue lists read unfinished tasks by due time, per unit and across a province's units.
CREATE INDEX tasks_overdue ON tasks (due_at, id) WHERE completed_at IS NULL AND due_at IS NOT NULL;
