-- The dossier's statutory due time, as intake computed it.
ALTER TABLE dossiers ADD COLUMN due_at timestamptz;
