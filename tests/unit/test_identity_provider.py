"""The stand-in identity provider: discovery, JWKS, client-credentials and password grants, refusals."""

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from standins.identities import load_identities
from standins.identity_provider import identity_provider_app
from standins.process import StandinServers
from standins.realms import adopt_signer, realm_signer

from shared.kernel.auth.local_issuer import LocalIssuer

BASE = "http://idp.test"
STAFF = "/realms/lienthong/protocol/openid-connect"
VNEID = "/realms/vneid/protocol/openid-connect"
CLIENT_FORM = {"grant_type": "client_credentials"}


def _client(data_dir: Path) -> httpx.AsyncClient:
    app = identity_provider_app(data_dir, BASE, token_seconds=120)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)


@pytest.fixture
async def idp(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(tmp_path) as client:
        yield client


async def _verified(idp: httpx.AsyncClient, realm: str, answer: httpx.Response) -> dict[str, Any]:
    """The token's claims, checked against the realm's published JWKS and issuer."""
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    token = answer.json()["access_token"]
    keys = jwt.PyJWKSet.from_dict((await idp.get(f"/realms/{realm}/protocol/openid-connect/certs")).json())
    key = next(k for k in keys.keys if k.key_id == jwt.get_unverified_header(token)["kid"])
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=["RS256"], audience="lienthong", issuer=f"{BASE}/realms/{realm}"
    )
    return claims


def _secret(client_id: str) -> str:
    return next(c.secret for c in load_identities().clients if c.client_id == client_id)


async def test_discovery_names_the_realms_issuer_keys_and_token_endpoint(idp: httpx.AsyncClient) -> None:
    found = (await idp.get("/realms/lienthong/.well-known/openid-configuration")).json()
    assert found["issuer"] == f"{BASE}/realms/lienthong"
    assert found["jwks_uri"] == f"{BASE}{STAFF}/certs"
    assert found["token_endpoint"] == f"{BASE}{STAFF}/token"
    citizens = (await idp.get("/realms/vneid/.well-known/openid-configuration")).json()
    assert citizens["issuer"] == f"{BASE}/realms/vneid"
    assert citizens["grant_types_supported"] == ["password"]
    assert (await idp.get("/realms/nowhere/.well-known/openid-configuration")).status_code == 404


async def test_each_realm_signs_with_its_own_key_kept_across_restarts(tmp_path: Path) -> None:
    async with _client(tmp_path) as first:
        staff = (await first.get(f"{STAFF}/certs")).json()
        citizens = (await first.get(f"{VNEID}/certs")).json()
    async with _client(tmp_path) as again:
        assert (await again.get(f"{STAFF}/certs")).json() == staff
        assert (await again.get(f"{VNEID}/certs")).json() == citizens
    assert staff["keys"][0]["kid"] != citizens["keys"][0]["kid"]
    assert [k["alg"] for k in staff["keys"]] == ["RS256"]
    assert "d" not in staff["keys"][0], "the JWKS publishes the public half only"


@pytest.mark.parametrize("how", ["basic", "form"])
async def test_client_credentials_give_the_clients_scopes_provinces_and_centres(
    idp: httpx.AsyncClient, how: str
) -> None:
    client_id = "counter-000.01.15.H40"
    if how == "basic":
        answer = await idp.post(f"{STAFF}/token", data=CLIENT_FORM, auth=(client_id, _secret(client_id)))
    else:
        form = {**CLIENT_FORM, "client_id": client_id, "client_secret": _secret(client_id)}
        answer = await idp.post(f"{STAFF}/token", data=form)

    claims = await _verified(idp, "lienthong", answer)
    assert answer.json()["expires_in"] == 120
    assert answer.json()["token_type"] == "Bearer"
    assert claims["exp"] - claims["iat"] == 120
    assert claims["client_id"] == claims["sub"] == client_id
    assert claims["scope"] == "dossiers:submit"
    assert claims["provinces"] == ["40"]
    assert claims["centres"] == ["000.01.15.H40"]
    assert "unit_roles" not in claims


async def test_a_client_of_every_centre_has_no_centres_claim(idp: httpx.AsyncClient) -> None:
    answer = await idp.post(f"{STAFF}/token", data=CLIENT_FORM, auth=("national-portal", _secret("national-portal")))
    claims = await _verified(idp, "lienthong", answer)
    assert set(claims["scope"].split()) == {"dossiers:submit", "dossiers:read", "portal:push"}
    assert claims["provinces"] == ["*"]
    assert "centres" not in claims


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [
        ("operator", "wrong"),
        ("operator", ""),
        ("nobody", "local-operator-secret"),
        ("operator", "local-operator-secre"),
    ],
)
async def test_an_unknown_client_or_wrong_secret_is_invalid_client(
    idp: httpx.AsyncClient, client_id: str, secret: str
) -> None:
    answer = await idp.post(f"{STAFF}/token", data=CLIENT_FORM, auth=(client_id, secret))
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert answer.headers["www-authenticate"].startswith("Basic")
    assert "access_token" not in answer.json()


@pytest.mark.parametrize(
    ("form", "headers", "status", "error"),
    [
        ({}, {}, 400, "invalid_request"),
        ({"grant_type": "authorization_code"}, {}, 400, "unsupported_grant_type"),
        (CLIENT_FORM, {}, 401, "invalid_client"),
        (CLIENT_FORM, {"Authorization": "Basic not-base64!"}, 401, "invalid_client"),
        (CLIENT_FORM, {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}, 401, "invalid_client"),
        (
            {**CLIENT_FORM, "client_id": "operator", "client_secret": "local-operator-secret"},
            {"Authorization": "Basic " + base64.b64encode(b"operator:local-operator-secret").decode()},
            400,
            "invalid_request",
        ),
    ],
)
async def test_malformed_token_requests_are_refused_as_rfc_6749_says(
    idp: httpx.AsyncClient, form: dict[str, str], headers: dict[str, str], status: int, error: str
) -> None:
    answer = await idp.post(f"{STAFF}/token", data=form, headers=headers)
    assert answer.status_code == status
    assert answer.json()["error"] == error


async def test_a_json_body_or_a_repeated_parameter_is_an_invalid_request(idp: httpx.AsyncClient) -> None:
    as_json = await idp.post(f"{STAFF}/token", json=CLIENT_FORM, auth=("operator", _secret("operator")))
    assert (as_json.status_code, as_json.json()["error"]) == (400, "invalid_request")
    repeated = await idp.post(
        f"{STAFF}/token",
        content="grant_type=client_credentials&grant_type=password",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=("operator", _secret("operator")),
    )
    assert (repeated.status_code, repeated.json()["error"]) == (400, "invalid_request")


async def test_a_clerk_signs_in_with_a_password_and_gets_roles_per_unit(idp: httpx.AsyncClient) -> None:
    form = {"grant_type": "password", "username": "head.17179.kt", "password": "local-clerk-password"}
    claims = await _verified(idp, "lienthong", await idp.post(f"{STAFF}/token", data=form))
    assert claims["sub"] == "head.17179.kt"
    assert claims["unit_roles"] == {"17179.KT": ["supervisor"], "17179.VP": ["handler"]}
    assert "client_id" not in claims
    assert "scope" not in claims


@pytest.mark.parametrize(("username", "password"), [("head.17179.kt", "wrong"), ("nobody", "local-clerk-password")])
async def test_a_wrong_clerk_password_is_invalid_grant(idp: httpx.AsyncClient, username: str, password: str) -> None:
    form = {"grant_type": "password", "username": username, "password": password}
    answer = await idp.post(f"{STAFF}/token", data=form)
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_grant")


async def test_a_citizen_signs_in_to_vneid_with_their_citizen_id(idp: httpx.AsyncClient) -> None:
    form = {"grant_type": "password", "username": "040301000123", "password": "local-citizen-password"}
    claims = await _verified(idp, "vneid", await idp.post(f"{VNEID}/token", data=form))
    assert claims["sub"] == "040301000123"
    assert "unit_roles" not in claims
    assert "scope" not in claims
    received = (await idp.get("/_received")).json()
    assert "040301000123" not in str(received), "a citizen ID is personal data: the stand-in does not record it"


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": "password", "username": "999999999999", "password": "local-citizen-password"}, "invalid_grant"),
        ({"grant_type": "password", "username": "040301000123", "password": "wrong"}, "invalid_grant"),
        ({"grant_type": "password", "username": "head.17179.kt", "password": "local-clerk-password"}, "invalid_grant"),
        ({"grant_type": "client_credentials", "client_id": "operator"}, "unsupported_grant_type"),
    ],
)
async def test_vneid_knows_only_citizens_and_the_password_grant(
    idp: httpx.AsyncClient, form: dict[str, str], error: str
) -> None:
    answer = await idp.post(f"{VNEID}/token", data=form)
    assert (answer.status_code, answer.json()["error"]) == (400, error)


async def test_staff_tokens_do_not_verify_as_citizen_tokens(idp: httpx.AsyncClient) -> None:
    answer = await idp.post(f"{STAFF}/token", data=CLIENT_FORM, auth=("operator", _secret("operator")))
    token = answer.json()["access_token"]
    citizen_keys = jwt.PyJWKSet.from_dict((await idp.get(f"{VNEID}/certs")).json())
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, citizen_keys.keys[0], algorithms=["RS256"], audience="lienthong")


async def test_an_outage_switched_on_refuses_tokens_with_503(idp: httpx.AsyncClient) -> None:
    assert (await idp.put("/_control", json={"outage": True})).status_code == 200
    answer = await idp.post(f"{STAFF}/token", data=CLIENT_FORM, auth=("operator", _secret("operator")))
    assert answer.status_code == 503
    assert (await idp.get(f"{STAFF}/certs")).status_code == 200, "the keys stay published"


async def test_a_realm_can_adopt_a_signer_its_callers_hold(tmp_path: Path) -> None:
    held = LocalIssuer.generate(issuer="lienthong-local", audience="lienthong")
    adopt_signer(tmp_path, "lienthong", held)

    async with _client(tmp_path) as idp:
        discovered = (await idp.get("/realms/lienthong/.well-known/openid-configuration")).json()
        assert discovered["issuer"] == "lienthong-local"
        assert (await idp.get(f"{STAFF}/certs")).json() == held.jwks()
        answer = await idp.post(f"{STAFF}/token", data=CLIENT_FORM, auth=("operator", _secret("operator")))
    public = jwt.PyJWK.from_dict(held.jwks()["keys"][0])
    claims = jwt.decode(answer.json()["access_token"], public, algorithms=["RS256"], audience="lienthong")
    assert claims["iss"] == "lienthong-local"
    assert realm_signer(tmp_path, "lienthong", BASE).kid == held.kid


def test_standin_servers_point_the_services_at_both_realms(tmp_path: Path) -> None:
    servers = StandinServers(tmp_path, ports={"identity": 19999})
    env = servers.service_env()
    assert env["LIENTHONG_JWKS_URL"] == f"http://127.0.0.1:19999{STAFF}/certs"
    assert env["LIENTHONG_JWT_ISSUER"] == "http://127.0.0.1:19999/realms/lienthong"
    assert env["LIENTHONG_CITIZEN_JWKS_URL"] == f"http://127.0.0.1:19999{VNEID}/certs"
    assert env["LIENTHONG_CITIZEN_JWT_ISSUER"] == "http://127.0.0.1:19999/realms/vneid"
    assert env["LIENTHONG_JWT_AUDIENCE"] == env["LIENTHONG_CITIZEN_JWT_AUDIENCE"] == "lienthong"
    assert servers.operator_env()["LIENTHONG_TOKEN_URL"] == f"http://127.0.0.1:19999{STAFF}/token"

    citizen = LocalIssuer.generate(issuer="vneid-local")
    adopted = StandinServers(tmp_path, ports={"identity": 19999}, signers={"vneid": citizen}).service_env()
    assert adopted["LIENTHONG_CITIZEN_JWT_ISSUER"] == "vneid-local"
    assert adopted["LIENTHONG_JWT_ISSUER"] == env["LIENTHONG_JWT_ISSUER"]
