"""Authentication of every service: RS256 bearer tokens of two trusted issuers, the callers they name,
and the FastAPI dependencies by which each route declares who may call it (:mod:`shared.kernel.auth.http`)."""
