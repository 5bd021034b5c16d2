-- Routing's copy of the applicant, pseudonymised like intake's once the dossier ended more than
-- the retention period ago (services/routing/adapters/retention.py).
ALTER TABLE dossiers ADD COLUMN pseudonymised_at timestamptz, ADD COLUMN applicant_pseudonym text;
CREATE INDEX dossiers_to_pseudonymise ON dossiers (updated_at) WHERE pseudonymised_at IS NULL;
