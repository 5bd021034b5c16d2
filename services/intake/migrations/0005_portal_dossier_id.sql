-- The National Public Service Portal's own id of a dossier it pushed in; one dossier per id.
ALTER TABLE dossiers ADD COLUMN portal_dossier_id text UNIQUE;
