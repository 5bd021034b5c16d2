"""Tokens the department must refuse: expired, wrongly signed, HMAC-signed, unsigned, for someone else."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization

from services.department.auth.local_issuer import LocalIssuer
from tests.support import clerks


def _segment(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _claims(units: list[str]) -> dict[str, Any]:
    now = datetime.now(UTC)
    issuer = clerks.issuer()
    return {
        "iss": issuer.issuer,
        "aud": issuer.audience,
        "sub": "mallory",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=10)).timestamp()),
        "units": units,
        "roles": list(clerks.ALL_ROLES),
    }


def _hmac_signed(units: list[str], secret: bytes) -> str:
    signing_input = f"{_segment({'alg': 'HS256', 'typ': 'JWT', 'kid': clerks.issuer().kid})}.{_segment(_claims(units))}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"


def forged(kind: str, units: list[str]) -> str:
    """A token of ``kind`` for a clerk of ``units`` with every role; none of them may be accepted."""
    issuer = clerks.issuer()
    if kind == "expired":
        return clerks.token(units, exp=datetime.now(UTC) - timedelta(hours=1))
    if kind == "wrong-signature":
        impostor = LocalIssuer(LocalIssuer.generate().private_key, issuer.kid, issuer.issuer, issuer.audience)
        return impostor.token("mallory", units, list(clerks.ALL_ROLES))
    if kind == "hs256":
        return _hmac_signed(units, b"a shared secret")
    if kind == "hs256-public-key":
        public_pem = issuer.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return _hmac_signed(units, public_pem)
    if kind == "alg-none":
        return f"{_segment({'alg': 'none', 'typ': 'JWT', 'kid': issuer.kid})}.{_segment(_claims(units))}."
    if kind == "other-audience":
        return clerks.token(units, aud="another-service")
    if kind == "other-issuer":
        return clerks.token(units, iss="https://someone-else.example")
    raise ValueError(kind)


FORGED_KINDS = ("expired", "wrong-signature", "hs256", "hs256-public-key", "alg-none", "other-audience", "other-issuer")
