"""The plumbing every service runs on: broker, database, outbox and inbox, workers, HTTP app."""
