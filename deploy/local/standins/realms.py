"""The identity provider's two realms: their URLs, issuers and signing keys.

Each realm keeps its RSA key in ``<data dir>/identity/<realm>/`` (``key.pem``, ``jwks.json``), so
tokens stay valid and the JWKS stays the same across restarts. Its issuer is the realm's URL
(``http://127.0.0.1:<port>/realms/<realm>``, Keycloak's form) unless ``realm.json`` there names
another issuer and audience: tests write one with :func:`adopt_signer` to have the stand-in sign
with a key and issuer they also hold.
"""

import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from shared.kernel.auth.local_issuer import DEFAULT_AUDIENCE, LocalIssuer

STAFF_REALM = "lienthong"
"""The province's staff realm: integrators (client credentials) and clerks (password)."""
CITIZEN_REALM = "vneid"
"""The national e-ID's stand-in: citizens sign in with their citizen ID."""
REALMS = (STAFF_REALM, CITIZEN_REALM)


def realm_url(base_url: str, realm: str) -> str:
    """The realm's URL, which is also its default issuer."""
    return f"{base_url.rstrip('/')}/realms/{realm}"


def jwks_url(base_url: str, realm: str) -> str:
    """Where the realm publishes its public keys."""
    return f"{realm_url(base_url, realm)}/protocol/openid-connect/certs"


def token_url(base_url: str, realm: str) -> str:
    """Where the realm issues tokens."""
    return f"{realm_url(base_url, realm)}/protocol/openid-connect/token"


def key_directory(data_dir: Path, realm: str) -> Path:
    """The directory holding the realm's key and settings."""
    return data_dir / "identity" / realm


def realm_signer(data_dir: Path, realm: str, base_url: str) -> LocalIssuer:
    """The realm's signer: its kept key (made on first use) with its issuer and audience."""
    directory = key_directory(data_dir, realm)
    settings = directory / "realm.json"
    chosen = json.loads(settings.read_text(encoding="utf-8")) if settings.exists() else {}
    issuer = chosen.get("issuer") or realm_url(base_url, realm)
    return LocalIssuer.in_directory(directory, issuer, chosen.get("audience") or DEFAULT_AUDIENCE)


def adopt_signer(data_dir: Path, realm: str, signer: LocalIssuer) -> None:
    """Make ``signer`` (its key, issuer and audience) the realm's, for the next start of the stand-in."""
    directory = key_directory(data_dir, realm)
    directory.mkdir(parents=True, exist_ok=True)
    pem = directory / "key.pem"
    pem.touch(mode=0o600)
    pem.write_bytes(
        signer.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    signer.write_jwks(directory / "jwks.json")
    settings = {"issuer": signer.issuer, "audience": signer.audience}
    (directory / "realm.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")
