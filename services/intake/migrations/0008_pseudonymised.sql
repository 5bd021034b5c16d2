-- The applicant of a dossier that ended more than the retention period ago is pseudonymised
-- (services/intake/adapters/retention.py): when, and the keyed pseudonym of the citizen ID,
-- which stays the same for the same citizen so dossiers can still be counted per applicant.
ALTER TABLE dossiers ADD COLUMN pseudonymised_at timestamptz, ADD COLUMN applicant_pseudonym text;
CREATE INDEX dossiers_to_pseudonymise ON dossiers (updated_at) WHERE pseudonymised_at IS NULL;
