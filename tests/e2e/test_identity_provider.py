"""Tokens from the running stand-in identity provider, used against the running services.

The services trust the identity provider's two realms through ``StandinServers.service_env()``
(JWKS URLs and issuers): what an integrator, a clerk or a citizen gets from its token endpoint
is what the services accept, and nothing else is.
"""

import os
import subprocess
import sys
from typing import Any

import httpx
import jwt
import pytest
from stack import REPO, ServiceStack
from standins.identities import load_identities
from standins.process import StandinServers

from tests.support.dossiers import BIRTH_IN_QUYNH_LUU

IDENTITIES = load_identities()
APPLICANT = BIRTH_IN_QUYNH_LUU["applicant"]["citizen_id"]
ANOTHER_CITIZEN = "091085004321"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _anonymous_get(url: str) -> httpx.Response:
    """GET with no token at all: the tests' shared client carries the harness's."""
    async with httpx.AsyncClient(timeout=10) as anonymous:
        return await anonymous.get(url)


def _password_token(standins: StandinServers, realm: str, username: str, password: str) -> httpx.Response:
    form = {"grant_type": "password", "username": username, "password": password}
    return httpx.post(standins.token_url(realm), data=form, timeout=10)


def _citizen_token(standins: StandinServers, citizen_id: str) -> str:
    answer = _password_token(standins, "vneid", citizen_id, IDENTITIES.citizen_password)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def _certs(standins: StandinServers, realm: str) -> dict[str, Any]:
    answer = httpx.get(f"{standins.url('identity')}/realms/{realm}/protocol/openid-connect/certs", timeout=10)
    assert answer.status_code == 200
    found: dict[str, Any] = answer.json()
    return found


async def test_the_operators_client_credentials_token_reads_every_outbox(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    token = standins.token("operator")
    for service in stack.ports:
        outbox = f"{stack.url(service)}/v1/outbox"
        assert (await _anonymous_get(outbox)).status_code == 401, service
        answer = await http.get(outbox, headers=_bearer(token))
        assert answer.status_code == 200, f"{service}: {answer.text}"
        assert "waiting" in answer.json()


async def test_a_wrong_secret_gets_no_token_and_a_token_without_the_operator_scope_reads_no_outbox(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    form = {"grant_type": "client_credentials"}
    refused = await http.post(standins.token_url(), data=form, auth=("operator", "not-the-secret"))
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    unknown = await http.post(standins.token_url(), data=form, auth=("intruder", "local-operator-secret"))
    assert unknown.status_code == 401

    portal = standins.token("national-portal")
    answer = await http.get(f"{stack.url('intake')}/v1/outbox", headers=_bearer(portal))
    assert answer.status_code == 403, answer.text


async def test_the_portal_submits_and_the_applicant_reads_their_dossier_with_a_vneid_token(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    intake = stack.url("intake")
    submitted = await http.post(
        f"{intake}/v1/dossiers", json=BIRTH_IN_QUYNH_LUU, headers=_bearer(standins.token("national-portal"))
    )
    assert submitted.status_code == 202, submitted.text
    code = submitted.json()["code"]
    mine = await http.get(f"{intake}/v1/dossiers/{code}", headers=_bearer(_citizen_token(standins, APPLICANT)))
    assert mine.status_code == 200, mine.text
    assert mine.json()["code"] == code

    someone_else = await http.get(
        f"{intake}/v1/dossiers/{code}", headers=_bearer(_citizen_token(standins, ANOTHER_CITIZEN))
    )
    assert someone_else.status_code == 404
    assert (await _anonymous_get(f"{intake}/v1/dossiers/{code}")).status_code == 401


async def test_a_counter_client_submits_only_at_its_own_centre(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    counter = _bearer(standins.token("counter-000.01.15.H40"))
    elsewhere = {**BIRTH_IN_QUYNH_LUU, "receiving_agency": "000.07.15.H91", "commune_code": "30742"}
    refused = await http.post(f"{stack.url('intake')}/v1/dossiers", json=elsewhere, headers=counter)
    assert refused.status_code in (403, 404), refused.text
    accepted = await http.post(f"{stack.url('intake')}/v1/dossiers", json=BIRTH_IN_QUYNH_LUU, headers=counter)
    assert accepted.status_code == 202, accepted.text


async def test_a_clerk_signs_in_and_reads_only_their_own_units_inbox(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    head = next(clerk for clerk in IDENTITIES.clerks if clerk.username == "head.17179.kt")
    signed_in = _password_token(standins, "lienthong", head.username, head.password)
    assert signed_in.status_code == 200, signed_in.text
    clerk = _bearer(signed_in.json()["access_token"])
    department = stack.url("department")
    assert (await http.get(f"{department}/v1/units/17179.KT/tasks", headers=clerk)).status_code == 200
    assert (await http.get(f"{department}/v1/units/40.SNNMT/tasks", headers=clerk)).status_code == 404
    wrong = _password_token(standins, "lienthong", "head.17179.kt", "not-the-password")
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")


def test_the_signing_keys_stay_the_same_while_tokens_are_issued(standins: StandinServers) -> None:
    before = {realm: _certs(standins, realm) for realm in ("lienthong", "vneid")}
    tokens = {"lienthong": [standins.token("operator"), standins.token("national-portal")]}
    tokens["vneid"] = [_citizen_token(standins, APPLICANT), _citizen_token(standins, ANOTHER_CITIZEN)]
    standins.reset()
    after = {realm: _certs(standins, realm) for realm in ("lienthong", "vneid")}

    assert after == before, "issuing tokens or resetting the stand-ins rotates no key"
    for realm, issued in tokens.items():
        published = {key["kid"] for key in before[realm]["keys"]}
        assert len(published) == 1
        assert {jwt.get_unverified_header(token)["kid"] for token in issued} == published
    assert before["lienthong"]["keys"][0]["kid"] != before["vneid"]["keys"][0]["kid"]


def _lienthong(stack: ServiceStack, settings_env: dict[str, str], **env: str) -> subprocess.CompletedProcess[str]:
    urls = {f"LIENTHONG_{name.upper()}_URL": stack.url(name) for name in stack.ports}
    unset = (
        "LIENTHONG_OPERATOR_TOKEN",
        "LIENTHONG_TOKEN_URL",
        "LIENTHONG_OPERATOR_CLIENT_ID",
        "LIENTHONG_OPERATOR_CLIENT_SECRET",
    )
    inherited = {name: value for name, value in os.environ.items() if name not in unset}
    return subprocess.run(
        [sys.executable, "-m", "operations", "outbox", "--json"],
        cwd=REPO,
        env={**inherited, **settings_env, **urls, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.usefixtures("http")
def test_the_operator_cli_fetches_its_token_from_the_identity_provider(
    stack: ServiceStack, standins: StandinServers, settings_env: dict[str, str]
) -> None:
    fetched = _lienthong(stack, settings_env, **standins.operator_env())
    assert fetched.returncode == 0, fetched.stderr
    assert "unreadable" not in fetched.stdout

    without = _lienthong(stack, settings_env)
    assert without.returncode == 1
    assert "answered 401" in without.stderr
    assert "LIENTHONG_OPERATOR_CLIENT_SECRET" in without.stderr

    wrong = _lienthong(stack, settings_env, **{**standins.operator_env(), "LIENTHONG_OPERATOR_CLIENT_SECRET": "x"})
    assert wrong.returncode == 1
    assert "refused client operator" in wrong.stderr
