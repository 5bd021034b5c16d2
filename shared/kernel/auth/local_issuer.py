"""A token issuer for local runs and tests: an RSA key pair, its JWKS, and signed tokens.

Deployments take tokens from their identity providers (staff: e.g. a Keycloak realm; citizens:
VNeID) and keys from their JWKS; this issuer stands in for them in ``make demo`` and the tests.

    python -m shared.kernel.auth.local_issuer DIR   # DIR/key.pem and DIR/jwks.json, kept if present
"""

import json
import sys
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEFAULT_ISSUER = "lienthong-local"
DEFAULT_AUDIENCE = "lienthong"
CITIZEN_ISSUER = "vneid-local"
"""The local stand-in of the national e-ID's issuer."""
DEFAULT_LIFETIME = timedelta(minutes=30)


@dataclass(frozen=True)
class LocalIssuer:
    """Signs tokens with its own RSA key, as ``issuer`` for ``audience``."""

    private_key: rsa.RSAPrivateKey
    kid: str
    issuer: str = DEFAULT_ISSUER
    audience: str = DEFAULT_AUDIENCE

    @classmethod
    def generate(cls, issuer: str = DEFAULT_ISSUER, audience: str = DEFAULT_AUDIENCE) -> "LocalIssuer":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(key, uuid.uuid4().hex[:16], issuer, audience)

    @classmethod
    def in_directory(
        cls, directory: Path, issuer: str = DEFAULT_ISSUER, audience: str = DEFAULT_AUDIENCE
    ) -> "LocalIssuer":
        """The issuer whose key is kept in ``directory`` (created with its JWKS on first use)."""
        pem, jwks = directory / "key.pem", directory / "jwks.json"
        if pem.exists() and jwks.exists():
            key = serialization.load_pem_private_key(pem.read_bytes(), password=None)
            assert isinstance(key, rsa.RSAPrivateKey)
            return cls(key, json.loads(jwks.read_text(encoding="utf-8"))["keys"][0]["kid"], issuer, audience)
        made = cls.generate(issuer, audience)
        directory.mkdir(parents=True, exist_ok=True)
        pem.touch(mode=0o600)
        pem.write_bytes(
            made.private_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        made.write_jwks(jwks)
        return made

    def jwks(self) -> dict[str, Any]:
        """The public half, as a JWKS document."""
        public: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def write_jwks(self, path: Path) -> Path:
        path.write_text(json.dumps(self.jwks(), indent=2), encoding="utf-8")
        return path

    def token(self, sub: str, *, lifetime: timedelta = DEFAULT_LIFETIME, **claims: Any) -> str:
        """A signed token for ``sub``; ``claims`` override or add any claim (``exp``, ``aud``, ``iat`` …)."""
        now = datetime.now(UTC)
        payload = {"iss": self.issuer, "aud": self.audience, "sub": sub, "iat": now, "exp": now + lifetime, **claims}
        return jwt.encode(payload, self.private_key, algorithm="RS256", headers={"kid": self.kid})

    def clerk_token(self, clerk_id: str, unit_roles: Mapping[str, Iterable[str]], **claims: Any) -> str:
        """A clerk's token: ``unit_roles`` maps each unit code to the clerk's roles there."""
        return self.token(clerk_id, unit_roles={unit: list(roles) for unit, roles in unit_roles.items()}, **claims)

    def client_token(
        self,
        client_id: str,
        scopes: Iterable[str],
        provinces: Iterable[str],
        centres: Iterable[str] | None = None,
        **claims: Any,
    ) -> str:
        """An integrator's client-credentials token: its scopes, the provinces (``*``: all) and centres it acts for."""
        extra: dict[str, Any] = {"client_id": client_id, "scope": " ".join(scopes), "provinces": list(provinces)}
        if centres is not None:
            extra["centres"] = list(centres)
        return self.token(client_id, **{**extra, **claims})

    def citizen_token(self, citizen_id: str, **claims: Any) -> str:
        """A citizen's e-ID token: the subject is their 12-digit citizen ID."""
        return self.token(citizen_id, **claims)


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print("usage: python -m shared.kernel.auth.local_issuer DIR [ISSUER]", file=sys.stderr)
        return 2
    issuer = LocalIssuer.in_directory(Path(argv[0]), *argv[1:])
    print(f"local issuer {issuer.issuer}: key {issuer.kid}, JWKS in {Path(argv[0]) / 'jwks.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
