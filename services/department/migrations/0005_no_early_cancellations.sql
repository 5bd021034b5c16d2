-- A cancellation now travels on the same stream as its assignment (routing.task-orders.v1),
-- so it can no longer arrive first: the table that kept early cancellations goes.
DROP TABLE IF EXISTS early_cancellations;
