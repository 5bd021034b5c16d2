"""Token verification: only valid RS256 tokens of the two trusted issuers pass, and they say who calls."""

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

from shared.kernel.auth.callers import Citizen, Clerk, Integrator, Scope
from shared.kernel.auth.keys import FileKeySource, KeySetError, NoKeySource, parse_key_set
from shared.kernel.auth.local_issuer import CITIZEN_ISSUER, LocalIssuer
from shared.kernel.auth.tokens import Issuer, TokenError, TokenVerifier
from tests.support import clerks
from tests.support.forged_tokens import FORGED_KINDS, forged

CITIZEN_ID = "001090012345"


def _verifier(staff: LocalIssuer, citizens: LocalIssuer, directory: Path, **limits: float) -> TokenVerifier:
    return TokenVerifier(
        Issuer(staff.issuer, staff.audience, FileKeySource(staff.write_jwks(directory / "staff.json"), 0)),
        Issuer(citizens.issuer, citizens.audience, FileKeySource(citizens.write_jwks(directory / "citizens.json"), 0)),
        **limits,
    )


@pytest.fixture
def verifier(tmp_path: Path) -> TokenVerifier:
    return _verifier(clerks.issuer(), clerks.citizen_issuer(), tmp_path)


async def test_a_clerk_token_gives_the_clerk_their_roles_in_each_unit(verifier: TokenVerifier) -> None:
    token = clerks.issuer().clerk_token("lan", {"17179.KT": ["handler"], "000.01.15.H40": ["receiver", "supervisor"]})

    verified = await verifier.verify(token)

    assert verified.caller == Clerk.of("lan", {"17179.KT": ["handler"], "000.01.15.H40": ["receiver", "supervisor"]})
    assert verified.caller.roles_in("17179.KT") == {"handler"}
    assert verified.caller.receives_at("000.01.15.H40")
    assert not verified.caller.receives_at("17179.KT")


async def test_legacy_units_and_roles_mean_every_role_in_every_unit(verifier: TokenVerifier) -> None:
    token = clerks.issuer().token("lan", units=["17179.KT", "17180.KT"], roles=["handler", "approver"])

    clerk = (await verifier.verify(token)).caller

    assert isinstance(clerk, Clerk)
    assert clerk.roles_in("17179.KT") == clerk.roles_in("17180.KT") == {"handler", "approver"}


async def test_a_client_credentials_token_gives_the_integrator_its_scopes_provinces_and_centres(
    verifier: TokenVerifier,
) -> None:
    token = clerks.client_token("portal", ["dossiers:submit", "unknown:scope"], ["40"], ["000.01.15.H40"])

    assert (await verifier.verify(token)).caller == Integrator(
        "portal", frozenset({Scope.SUBMIT}), frozenset({"40"}), frozenset({"000.01.15.H40"})
    )


async def test_azp_names_the_client_when_client_id_is_absent(verifier: TokenVerifier) -> None:
    token = clerks.issuer().token("service-account-ops", azp="ops-cli", scope="operator")

    integrator = (await verifier.verify(token)).caller

    assert isinstance(integrator, Integrator)
    assert integrator.client_id == "ops-cli"
    assert integrator.has(Scope.OPERATOR)


async def test_a_staff_token_naming_neither_units_nor_a_client_is_refused(verifier: TokenVerifier) -> None:
    with pytest.raises(TokenError, match="neither"):
        await verifier.verify(clerks.issuer().token("someone"))


async def test_a_citizen_token_gives_the_citizen(verifier: TokenVerifier) -> None:
    verified = await verifier.verify(clerks.citizen_issuer().citizen_token(CITIZEN_ID))

    assert verified.caller == Citizen(CITIZEN_ID)


async def test_a_citizen_token_whose_subject_is_no_citizen_id_is_refused(verifier: TokenVerifier) -> None:
    with pytest.raises(TokenError, match="12-digit"):
        await verifier.verify(clerks.citizen_issuer().citizen_token("lan"))


async def test_the_citizen_issuer_cannot_make_clerks(verifier: TokenVerifier) -> None:
    token = clerks.citizen_issuer().clerk_token(CITIZEN_ID, {"17179.KT": ["approver"]})

    assert (await verifier.verify(token)).caller == Citizen(CITIZEN_ID)


async def test_a_staff_key_cannot_sign_for_the_citizen_issuer(verifier: TokenVerifier) -> None:
    staff = clerks.issuer()
    impostor = LocalIssuer(staff.private_key, staff.kid, CITIZEN_ISSUER, staff.audience)

    with pytest.raises(TokenError):
        await verifier.verify(impostor.citizen_token(CITIZEN_ID))


@pytest.mark.parametrize("kind", FORGED_KINDS)
async def test_forged_expired_or_foreign_clerk_tokens_are_refused(verifier: TokenVerifier, kind: str) -> None:
    with pytest.raises(TokenError):
        await verifier.verify(forged(kind, ["17179.KT"]))


@pytest.mark.parametrize("kind", FORGED_KINDS)
async def test_forged_operator_tokens_are_refused(verifier: TokenVerifier, kind: str) -> None:
    with pytest.raises(TokenError):
        await verifier.verify(forged(kind, client_id="ops-cli", scope="operator"))


async def test_each_forgery_is_refused_for_its_own_reason(verifier: TokenVerifier) -> None:
    reasons = {}
    for kind in ("alg-none", "hs256-public-key", "no-kid", "unknown-kid", "too-long-lived", "not-yet-valid"):
        with pytest.raises(TokenError) as refused:
            await verifier.verify(forged(kind, ["17179.KT"]))
        reasons[kind] = str(refused.value)

    assert "RS256, not none" in reasons["alg-none"]
    assert "RS256, not HS256" in reasons["hs256-public-key"]
    assert "kid" in reasons["no-kid"]
    assert "no RS256 signing key" in reasons["unknown-kid"]
    assert "longer than 3600" in reasons["too-long-lived"]
    assert "not yet valid" in reasons["not-yet-valid"]


async def test_a_token_within_the_maximum_lifetime_passes_and_a_longer_one_does_not(tmp_path: Path) -> None:
    verifier = _verifier(clerks.issuer(), clerks.citizen_issuer(), tmp_path, max_lifetime_seconds=600)
    # iat given, in whole seconds: the issuer's own clock may tick a second between the two tokens (loaded CI).
    now = datetime.now(UTC).replace(microsecond=0)

    await verifier.verify(clerks.token(["17179.KT"], iat=now, exp=now + timedelta(seconds=600)))
    with pytest.raises(TokenError, match="longer than 600"):
        await verifier.verify(clerks.token(["17179.KT"], iat=now, exp=now + timedelta(seconds=601)))


@pytest.mark.parametrize("missing", ["iat", "exp", "sub", "aud", "iss"])
async def test_a_token_without_a_required_claim_is_refused(verifier: TokenVerifier, missing: str) -> None:
    issuer = clerks.issuer()
    now = int(datetime.now(UTC).timestamp())
    claims = {"iss": issuer.issuer, "aud": issuer.audience, "sub": "lan", "iat": now, "exp": now + 60}
    claims["unit_roles"] = {"17179.KT": ["handler"]}
    del claims[missing]
    token = jwt.encode(claims, issuer.private_key, algorithm="RS256", headers={"kid": issuer.kid})

    with pytest.raises(TokenError):
        await verifier.verify(token)


async def test_an_audience_list_holding_ours_is_accepted(verifier: TokenVerifier) -> None:
    token = clerks.token(["17179.KT"], aud=["account", clerks.issuer().audience])

    assert isinstance((await verifier.verify(token)).caller, Clerk)


async def test_a_token_that_became_valid_within_the_leeway_passes(verifier: TokenVerifier) -> None:
    token = clerks.token(["17179.KT"], nbf=datetime.now(UTC) + timedelta(seconds=10))

    assert isinstance((await verifier.verify(token)).caller, Clerk)


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c"])
async def test_garbage_is_refused(verifier: TokenVerifier, token: str) -> None:
    with pytest.raises(TokenError):
        await verifier.verify(token)


@pytest.mark.parametrize(
    "claims", [{"roles": "handler", "units": ["17179.KT"]}, {"unit_roles": {"17179.KT": "handler"}}, {"unit_roles": []}]
)
async def test_a_token_whose_roles_are_malformed_is_refused(verifier: TokenVerifier, claims: dict[str, Any]) -> None:
    with pytest.raises(TokenError, match="roles"):
        await verifier.verify(clerks.issuer().token("lan", **claims))


async def test_a_rotated_key_is_picked_up_when_the_jwks_file_changes(tmp_path: Path) -> None:
    old, new = LocalIssuer.generate(), LocalIssuer.generate()
    verifier = _verifier(old, clerks.citizen_issuer(), tmp_path)
    await verifier.verify(old.clerk_token("lan", {"17179.KT": ["handler"]}))

    await asyncio.sleep(0.01)
    path = tmp_path / "staff.json"
    path.write_text(json.dumps({"keys": old.jwks()["keys"] + new.jwks()["keys"]}), encoding="utf-8")

    assert (await verifier.verify(new.clerk_token("minh", {"17179.KT": ["handler"]}))).caller.client_id == "clerk:minh"


async def test_without_a_jwks_every_token_is_refused() -> None:
    verifier = TokenVerifier(
        Issuer("lienthong-local", "lienthong", NoKeySource()), Issuer(CITIZEN_ISSUER, "lienthong", NoKeySource())
    )

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
