-- The receipt's lookup secret, stored only as its hash: "<scheme>$<hex digest>" (see
-- services/intake/domain/lookup_secret.py). NULL for a dossier received before secrets existed:
-- no secret opens it, its applicant uses a citizen token or the counter.
ALTER TABLE dossiers ADD COLUMN lookup_secret_hash text;
