-- Who holds the task while working on it (claim/release), and how many supplement
-- requests the task has made (a procedure may allow only one per dossier).
ALTER TABLE tasks ADD COLUMN claimed_by text;
ALTER TABLE tasks ADD COLUMN claimed_at timestamptz;
ALTER TABLE tasks ADD COLUMN supplement_requests integer NOT NULL DEFAULT 0;
UPDATE tasks SET supplement_requests = 1 WHERE cardinality(missing) > 0;

-- The inbox is read soonest-due first with keyset pagination; a task without a due
-- time sorts last.
CREATE INDEX tasks_inbox ON tasks (unit_code, (COALESCE(due_at, 'infinity'::timestamptz)), assigned_at, id);
CREATE INDEX tasks_by_dossier_code ON tasks (unit_code, dossier_code);

-- Everything that happened to a task, written in the transaction of the change: the
-- task's history, the units' audit log (actions by clerks) and the change feed.
CREATE TABLE task_history (
    id            bigserial PRIMARY KEY,
    task_id       uuid        NOT NULL,
    unit_code     text        NOT NULL,
    dossier_code  text        NOT NULL,
    action        text        NOT NULL,
    actor         text        NOT NULL,
    by_clerk      boolean     NOT NULL,
    status_before text,
    status_after  text        NOT NULL,
    version       integer     NOT NULL,
    detail        jsonb       NOT NULL DEFAULT '{}',
    trace_id      text,
    at            timestamptz NOT NULL
);
CREATE INDEX task_history_by_task ON task_history (task_id, id);
CREATE INDEX task_history_by_unit ON task_history (unit_code, id);

-- Each history row is announced on commit to the service's change-feed listeners.
-- The payload stays far below NOTIFY's 8000-byte limit: no free text in it.
CREATE FUNCTION announce_task_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(
        'department_task_changes',
        json_build_object(
            'id', NEW.id,
            'task_id', NEW.task_id,
            'unit_code', NEW.unit_code,
            'dossier_code', NEW.dossier_code,
            'action', NEW.action,
            'status', NEW.status_after,
            'version', NEW.version,
            'at', NEW.at
        )::text
    );
    RETURN NULL;
END
$$;

CREATE TRIGGER task_history_announced AFTER INSERT ON task_history
    FOR EACH ROW EXECUTE FUNCTION announce_task_change();
