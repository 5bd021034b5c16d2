-- A claim lasts a configured time (LIENTHONG_CLAIM_EXPIRY_SECONDS) from when it was
-- taken; past its expiry it counts as released. The expiry is fixed when the claim is
-- taken, so a change of the setting applies to new claims only.
ALTER TABLE tasks ADD COLUMN claim_expires_at timestamptz;

-- Claims taken before claims expired get the default of one working day.
UPDATE tasks SET claim_expires_at = claimed_at + interval '8 hours' WHERE claimed_by IS NOT NULL;

-- A claim is whole or absent: holder, time and expiry together.
ALTER TABLE tasks ADD CONSTRAINT tasks_claim_whole CHECK (
    (claimed_by IS NULL AND claimed_at IS NULL AND claim_expires_at IS NULL)
    OR (claimed_by IS NOT NULL AND claimed_at IS NOT NULL AND claim_expires_at > claimed_at)
);
