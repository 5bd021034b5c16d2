-- The check of the applicant against the National Population Database (unchecked, pending,
-- verified, failed), why it failed or is pending, how often it was tried and when, when the
-- next try of a pending one is due, and the claim of the instance checking it right now.
ALTER TABLE dossiers
    ADD COLUMN identity_status        text        NOT NULL DEFAULT 'unchecked'
        CHECK (identity_status IN ('unchecked', 'pending', 'verified', 'failed')),
    ADD COLUMN identity_detail        text,
    ADD COLUMN identity_attempts      integer     NOT NULL DEFAULT 0,
    ADD COLUMN identity_checked_at    timestamptz,
    ADD COLUMN identity_next_check_at timestamptz,
    ADD COLUMN identity_claim         uuid;

-- Due rechecks, soonest first.
CREATE INDEX dossiers_identity_due ON dossiers (identity_next_check_at) WHERE identity_status = 'pending';
-- The receiving clerks' list: one status at one centre, newest check first.
CREATE INDEX dossiers_identity_checks ON dossiers (identity_status, receiving_agency, identity_checked_at DESC);
