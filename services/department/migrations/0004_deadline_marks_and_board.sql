-- Deadline marks (warning, overdue) and the public board's figures.

-- One clock per task with a due time. `assigned_due_at` is the due time the task came
-- with, the end of its own allowance; the warning is measured against it. The scheduler
-- reviews a clock when it is `stale` (the task is new, or its due time or status changed)
-- or when `next_mark_at` has come, and sets both after each review.
CREATE TABLE deadline_clocks (
    task_id          uuid PRIMARY KEY,
    assigned_due_at  timestamptz NOT NULL,
    stale            boolean     NOT NULL DEFAULT true,
    next_mark_at     timestamptz
);
CREATE INDEX deadline_clocks_stale ON deadline_clocks (task_id) WHERE stale;
CREATE INDEX deadline_clocks_next ON deadline_clocks (next_mark_at) WHERE next_mark_at IS NOT NULL;

-- A trigger rather than calls in the handlers: every writer of `tasks` (assignment,
-- resumption, extension, completion, cancellation) keeps the clocks right in its own
-- transaction, including writers added later.
CREATE FUNCTION deadline_clock_follows_task() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF NEW.due_at IS NOT NULL THEN
        INSERT INTO deadline_clocks (task_id, assigned_due_at) VALUES (NEW.id, NEW.due_at)
        ON CONFLICT (task_id) DO UPDATE SET stale = true;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER tasks_deadline_clock AFTER INSERT OR UPDATE OF due_at, status, completed_at ON tasks
    FOR EACH ROW EXECUTE FUNCTION deadline_clock_follows_task();

-- Tasks already in the queue: their due time as it stands is the best known allowance.
INSERT INTO deadline_clocks (task_id, assigned_due_at)
    SELECT id, due_at FROM tasks WHERE due_at IS NOT NULL AND completed_at IS NULL;

-- Marks sent: the primary key makes each kind once per task, whichever instance sends it.
-- Written in the transaction that puts the event in the outbox.
CREATE TABLE deadline_marks (
    task_id     uuid        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('warning', 'overdue')),
    reached_at  timestamptz NOT NULL,
    due_at      timestamptz NOT NULL,
    sent_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (task_id, kind)
);

-- Extensions with an apology letter (Form 04), from task.extended.v1: a task extended
-- counts as late on the public board.
CREATE TABLE task_extensions (
    task_id          uuid        NOT NULL,
    previous_due_at  timestamptz NOT NULL,
    new_due_at       timestamptz NOT NULL,
    extended_at      timestamptz NOT NULL,
    PRIMARY KEY (task_id, new_due_at)
);

-- The board reads one unit's completions over a period.
CREATE INDEX tasks_completed_by_unit ON tasks (unit_code, completed_at) WHERE completed_at IS NOT NULL;
