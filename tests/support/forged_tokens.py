"""Tokens every service must refuse: expired, not yet valid, too long-lived, wrongly signed, HMAC-signed,
unsigned, of an unknown key or none, for another audience or issuer.

Each is forged for a caller's claims: a clerk of ``units`` with every role, or any claims given
(e.g. an operator's ``client_id`` and ``scope``), so that only the forgery makes it fail.
"""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization

from shared.kernel.auth.local_issuer import LocalIssuer
from tests.support import clerks


def _segment(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _caller(units: list[str] | None, claims: dict[str, Any]) -> dict[str, Any]:
    if units is None:
        return claims
    return {"unit_roles": {unit: list(clerks.ALL_ROLES) for unit in units}, **claims}


def _payload(caller: dict[str, Any]) -> dict[str, Any]:
    now = datetime.now(UTC)
    issuer = clerks.issuer()
    return {
        "iss": issuer.issuer,
        "aud": issuer.audience,
        "sub": "mallory",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=10)).timestamp()),
        **caller,
    }


def _unsigned(header: dict[str, Any], caller: dict[str, Any], secret: bytes | None) -> str:
    signing_input = f"{_segment(header)}.{_segment(_payload(caller))}"
    if secret is None:
        return f"{signing_input}."
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"


def forged(kind: str, units: list[str] | None = None, **claims: Any) -> str:
    """A token of ``kind`` for a clerk of ``units`` with every role, or for ``claims``; none may be accepted."""
    issuer = clerks.issuer()
    caller = _caller(units, claims)
    now = datetime.now(UTC)
    hs256 = {"alg": "HS256", "typ": "JWT", "kid": issuer.kid}
    if kind == "expired":
        return issuer.token("mallory", iat=now - timedelta(hours=2), exp=now - timedelta(hours=1), **caller)
    if kind == "not-yet-valid":
        return issuer.token("mallory", nbf=now + timedelta(minutes=10), **caller)
    if kind == "too-long-lived":
        return issuer.token("mallory", exp=datetime(2100, 1, 1, tzinfo=UTC), **caller)
    if kind == "wrong-signature":
        impostor = LocalIssuer(LocalIssuer.generate().private_key, issuer.kid, issuer.issuer, issuer.audience)
        return impostor.token("mallory", **caller)
    if kind == "unknown-kid":
        return LocalIssuer.generate(issuer.issuer, issuer.audience).token("mallory", **caller)
    if kind == "no-kid":
        return _unsigned({"alg": "RS256", "typ": "JWT"}, caller, None) + "c2lnbmF0dXJl"
    if kind == "hs256":
        return _unsigned(hs256, caller, b"a shared secret")
    if kind == "hs256-public-key":
        public_pem = issuer.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return _unsigned(hs256, caller, public_pem)
    if kind == "alg-none":
        return _unsigned({"alg": "none", "typ": "JWT", "kid": issuer.kid}, caller, None)
    if kind == "other-audience":
        return issuer.token("mallory", aud="another-service", **caller)
    if kind == "other-issuer":
        return issuer.token("mallory", iss="https://someone-else.example", **caller)
    if kind == "citizen-key-as-staff":
        # Signed by the citizen issuer's key but claiming to be the staff issuer.
        citizens = clerks.citizen_issuer()
        return LocalIssuer(citizens.private_key, citizens.kid, issuer.issuer, issuer.audience).token(
            "mallory", **caller
        )
    raise ValueError(kind)


FORGED_KINDS = (
    "expired",
    "not-yet-valid",
    "too-long-lived",
    "wrong-signature",
    "unknown-kid",
    "no-kid",
    "hs256",
    "hs256-public-key",
    "alg-none",
    "other-audience",
    "other-issuer",
    "citizen-key-as-staff",
)
