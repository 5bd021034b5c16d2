-- Whether the task is of its plan's last stage (whose approval ends the dossier), and the
-- applicant's identity as routing last told it: the check's status, a receiving clerk's
-- decision, and intake's number of that state (a state numbered no higher is stale).
-- The last stage is not approved while the check failed or is pending unless confirmed.
-- Tasks assigned before routing said so: not the last stage, unchecked, state 0.
ALTER TABLE tasks
    ADD COLUMN final_stage       boolean NOT NULL DEFAULT false,
    ADD COLUMN identity_status   text    NOT NULL DEFAULT 'unchecked'
        CHECK (identity_status IN ('unchecked', 'pending', 'verified', 'failed')),
    ADD COLUMN identity_decision text    CHECK (identity_decision IN ('confirmed', 'refused')),
    ADD COLUMN identity_version  integer NOT NULL DEFAULT 0;
