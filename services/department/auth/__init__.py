"""Clerk authentication: RS256 JWT bearer tokens verified against a JWKS file or URL."""
