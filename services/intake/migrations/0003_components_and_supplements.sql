-- The parts of an inter-connected procedure the applicant chose, required ones included
-- (empty for single procedures and for dossiers received before components existed).
ALTER TABLE dossiers ADD COLUMN components text[] NOT NULL DEFAULT '{}';

-- What the applicant was last asked to hand in, from routing's status changes to `waiting`.
ALTER TABLE dossiers ADD COLUMN missing text[] NOT NULL DEFAULT '{}';
