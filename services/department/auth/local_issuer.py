"""A token issuer for local runs and tests: an RSA key pair, its JWKS, and signed tokens.

Deployments take tokens from the identity provider and keys from its JWKS; this issuer
stands in for it in ``make demo`` and the end-to-end tests.

    python -m services.department.auth.local_issuer DIR   # DIR/key.pem and DIR/jwks.json, kept if present
"""

import json
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEFAULT_ISSUER = "lienthong-local"
DEFAULT_AUDIENCE = "lienthong-department"


@dataclass(frozen=True)
class LocalIssuer:
    """Signs clerk tokens with its own RSA key."""

    private_key: rsa.RSAPrivateKey
    kid: str
    issuer: str = DEFAULT_ISSUER
    audience: str = DEFAULT_AUDIENCE

    @classmethod
    def generate(cls, issuer: str = DEFAULT_ISSUER, audience: str = DEFAULT_AUDIENCE) -> "LocalIssuer":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(key, uuid.uuid4().hex[:16], issuer, audience)

    @classmethod
    def in_directory(cls, directory: Path) -> "LocalIssuer":
        """The issuer whose key is kept in ``directory`` (created with its JWKS on first use)."""
        pem, jwks = directory / "key.pem", directory / "jwks.json"
        if pem.exists() and jwks.exists():
            key = serialization.load_pem_private_key(pem.read_bytes(), password=None)
            assert isinstance(key, rsa.RSAPrivateKey)
            return cls(key, json.loads(jwks.read_text(encoding="utf-8"))["keys"][0]["kid"])
        issuer = cls.generate()
        directory.mkdir(parents=True, exist_ok=True)
        pem.touch(mode=0o600)
        pem.write_bytes(
            issuer.private_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        issuer.write_jwks(jwks)
        return issuer

    def jwks(self) -> dict[str, Any]:
        """The public half, as a JWKS document."""
        public: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def write_jwks(self, path: Path) -> Path:
        path.write_text(json.dumps(self.jwks(), indent=2), encoding="utf-8")
        return path

    def token(
        self,
        clerk_id: str,
        units: list[str],
        roles: list[str],
        *,
        lifetime: timedelta = timedelta(minutes=30),
        **claims: Any,
    ) -> str:
        """A signed token for ``clerk_id``; ``claims`` override or add any claim (``exp``, ``aud`` …)."""
        now = datetime.now(UTC)
        payload = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": clerk_id,
            "iat": now,
            "exp": now + lifetime,
            "units": units,
            "roles": roles,
            **claims,
        }
        return jwt.encode(payload, self.private_key, algorithm="RS256", headers={"kid": self.kid})


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m services.department.auth.local_issuer DIR", file=sys.stderr)
        return 2
    issuer = LocalIssuer.in_directory(Path(argv[0]))
    print(f"local issuer: key {issuer.kid}, JWKS in {Path(argv[0]) / 'jwks.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
