-- Messages to clerks about deadlines (a warning, a step of the escalation ladder) are deliveries
-- too, sent by the same worker with the same retries and dead letters. One deadline event tells
-- several clerks, so a delivery is one per (event, channel, clerk): clerk_id is the clerk told,
-- NULL for the applicant's messages and the portal's records (NULLS NOT DISTINCT keeps those
-- once per (event, channel), as before). A clerk's message announces no dossier status.
ALTER TABLE deliveries ADD COLUMN clerk_id text;
ALTER TABLE deliveries ALTER COLUMN status DROP NOT NULL;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_of_applicants CHECK (clerk_id IS NOT NULL OR status IS NOT NULL);
ALTER TABLE deliveries DROP CONSTRAINT deliveries_event_id_channel_key;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_once_per_recipient UNIQUE NULLS NOT DISTINCT (event_id, channel, clerk_id);
