-- The number (sequence) of routing's newest order the task took (its assignment, then any
-- cancellation or resumption); an order numbered no higher is stale (a replay, a
-- redelivery) and changes nothing. 0: none numbered (tasks assigned before routing numbered
-- its orders).
ALTER TABLE tasks ADD COLUMN routing_sequence integer NOT NULL DEFAULT 0;
