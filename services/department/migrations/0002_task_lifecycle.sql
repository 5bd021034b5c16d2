-- Where the task sits in the procedure's plan and when it is due
-- (NULL for tasks assigned before routing planned stages).
ALTER TABLE tasks ADD COLUMN task_key text;
ALTER TABLE tasks ADD COLUMN stage integer;
ALTER TABLE tasks ADD COLUMN due_at timestamptz;

-- What the unit last asked the applicant to hand in.
ALTER TABLE tasks ADD COLUMN missing text[] NOT NULL DEFAULT '{}';

-- `reason`, `completed_by` and `completed_at` now also describe a return (by the clerk)
-- and a cancellation (by routing, no clerk).
ALTER TABLE tasks ADD CONSTRAINT tasks_status_known
    CHECK (status IN ('open', 'waiting', 'approved', 'refused', 'returned', 'cancelled'));

-- A unit's queue is read soonest-due first.
DROP INDEX tasks_by_unit;
CREATE INDEX tasks_by_unit ON tasks (unit_code, status, due_at, assigned_at);

-- Cancellations that arrived before their task: the assignment and the cancellation travel
-- on different topics, so nothing orders them. The assignment applies a remembered one.
CREATE TABLE early_cancellations (
    task_id      uuid PRIMARY KEY,
    reason       text        NOT NULL,
    cancelled_at timestamptz NOT NULL
);
