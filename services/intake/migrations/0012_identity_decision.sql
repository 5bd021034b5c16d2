-- Intake's number of the applicant's identity state (1 at receipt, one more at each change: a
-- pending check answered, a receiver's decision), sent with the state so routing and the
-- department apply only newer ones. 0: dossiers received before the state travelled.
-- A receiver of the centre decides on a failed or pending check: confirmed with the paper seen
-- (its kind and at most the last 4 characters of its number), or refused (the dossier is refused).
ALTER TABLE dossiers
    ADD COLUMN identity_version        integer     NOT NULL DEFAULT 0,
    ADD COLUMN identity_decision       text        CHECK (identity_decision IN ('confirmed', 'refused')),
    ADD COLUMN identity_decided_by     text,
    ADD COLUMN identity_decided_at     timestamptz,
    ADD COLUMN identity_evidence_kind  text,
    ADD COLUMN identity_evidence_last4 text        CHECK (identity_evidence_last4 ~ '^[0-9A-Za-z]{1,4}$');
