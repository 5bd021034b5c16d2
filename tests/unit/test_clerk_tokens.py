"""Token verification against a JWKS file: only valid RS256 tokens of our issuer and audience pass."""

import asyncio
import json
from pathlib import Path

import jwt
import pytest

from services.department.auth.jwks import FileKeySource, KeySetError, NoKeySource, parse_key_set
from services.department.auth.local_issuer import LocalIssuer
from services.department.auth.tokens import TokenError, TokenVerifier
from services.department.domain.access import Role
from tests.support import clerks
from tests.support.forged_tokens import FORGED_KINDS, forged


@pytest.fixture
def verifier(tmp_path: Path) -> TokenVerifier:
    issuer = clerks.issuer()
    return TokenVerifier(FileKeySource(issuer.write_jwks(tmp_path / "jwks.json")), issuer.issuer, issuer.audience)


async def test_a_valid_token_gives_the_clerk_their_units_and_roles(verifier: TokenVerifier) -> None:
    verified = await verifier.verify(clerks.token(["17179.KT"], "handler", "approver", clerk="lan"))

    assert verified.clerk.id == "lan"
    assert verified.clerk.units == {"17179.KT"}
    assert verified.clerk.roles == {Role.HANDLER, Role.APPROVER}


@pytest.mark.parametrize("kind", FORGED_KINDS)
async def test_forged_expired_or_foreign_tokens_are_refused(verifier: TokenVerifier, kind: str) -> None:
    with pytest.raises(TokenError):
        await verifier.verify(forged(kind, ["17179.KT"]))


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c"])
async def test_garbage_is_refused(verifier: TokenVerifier, token: str) -> None:
    with pytest.raises(TokenError):
        await verifier.verify(token)


async def test_a_token_whose_roles_claim_is_not_a_list_is_refused(verifier: TokenVerifier) -> None:
    issuer = clerks.issuer()
    claims = {"iss": issuer.issuer, "aud": issuer.audience, "sub": "lan", "exp": 4102444800, "roles": "handler"}
    token = jwt.encode(claims, issuer.private_key, algorithm="RS256", headers={"kid": issuer.kid})

    with pytest.raises(TokenError, match="roles"):
        await verifier.verify(token)


async def test_a_rotated_key_is_picked_up_when_the_jwks_file_changes(tmp_path: Path) -> None:
    old, new = LocalIssuer.generate(), LocalIssuer.generate()
    path = old.write_jwks(tmp_path / "jwks.json")
    verifier = TokenVerifier(FileKeySource(path, refresh_seconds=0), old.issuer, old.audience)
    await verifier.verify(old.token("lan", ["17179.KT"], ["handler"]))

    await asyncio.sleep(0.01)
    path.write_text(json.dumps({"keys": old.jwks()["keys"] + new.jwks()["keys"]}), encoding="utf-8")

    assert (await verifier.verify(new.token("minh", ["17179.KT"], ["handler"]))).clerk.id == "minh"


async def test_without_a_jwks_every_token_is_refused() -> None:
    verifier = TokenVerifier(NoKeySource(), "lienthong-local", "lienthong-department")

    with pytest.raises(TokenError, match="no JWKS"):
        await verifier.verify(clerks.token(["17179.KT"]))


def test_only_rs256_signing_keys_are_taken_from_a_jwks() -> None:
    rsa_key = clerks.issuer().jwks()["keys"][0]
    document = {
        "keys": [
            rsa_key,
            {**rsa_key, "kid": "enc", "use": "enc"},
            {**rsa_key, "kid": "ps", "alg": "PS256"},
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
        ]
    }

    assert set(parse_key_set(document)) == {rsa_key["kid"]}
    with pytest.raises(KeySetError):
        parse_key_set({"keys": "none"})
