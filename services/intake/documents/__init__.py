"""Documents at intake: files uploaded to the object store, attached to dossiers, and their fees at receipt."""
