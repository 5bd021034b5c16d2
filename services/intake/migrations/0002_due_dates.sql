-- The statutory due time, from the working-day calendar (NULL for dossiers received before it).
ALTER TABLE dossiers ADD COLUMN due_at timestamptz;
