"""The operator CLI's bearer token: given, or fetched by client credentials and kept until shortly before it expires."""

import asyncio
import base64
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from operations.service_api import ServiceClient
from operations.tokens import (
    IdentityProviderUnavailableError,
    OperatorCredentials,
    OperatorToken,
    TokenConfigurationError,
)

TOKEN_URL = "http://idp.test/realms/lienthong/protocol/openid-connect/token"
FETCHING = OperatorCredentials(token_url=TOKEN_URL, client_id="operator", client_secret="s3cret")
URLS = {"intake": "http://intake.test", "notification": "http://notification.test"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class IdentityProvider:
    """Answers token requests with tokens numbered in order, and records what it was asked."""

    def __init__(self, expires_in: Any = 300, status: int = 200) -> None:
        self.expires_in = expires_in
        self.status = status
        self.asked: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(request)
        if self.status != 200:
            return httpx.Response(self.status, json={"error": "invalid_client", "error_description": "wrong secret"})
        return httpx.Response(200, json={"access_token": f"token-{len(self.asked)}", "expires_in": self.expires_in})


def _token(idp: IdentityProvider, clock: Clock, credentials: OperatorCredentials = FETCHING) -> OperatorToken:
    return OperatorToken(credentials, httpx.AsyncClient(transport=httpx.MockTransport(idp)), clock=clock)


async def test_a_fetched_token_is_kept_until_shortly_before_it_expires() -> None:
    idp, clock = IdentityProvider(expires_in=300), Clock()
    token = _token(idp, clock)

    assert await token.bearer() == "token-1"
    clock.now += 269
    assert await token.bearer() == "token-1"
    clock.now += 1  # 30 s before expiry
    assert await token.bearer() == "token-2"
    assert len(idp.asked) == 2


async def test_a_short_lived_token_is_renewed_at_nine_tenths_of_its_life() -> None:
    idp, clock = IdentityProvider(expires_in=20), Clock()
    token = _token(idp, clock)
    assert await token.bearer() == "token-1"
    clock.now += 17.9
    assert await token.bearer() == "token-1"
    clock.now += 0.2
    assert await token.bearer() == "token-2"


async def test_the_client_authenticates_with_http_basic_and_asks_for_client_credentials() -> None:
    idp = IdentityProvider()
    await _token(idp, Clock()).bearer()
    request = idp.asked[0]
    assert str(request.url) == TOKEN_URL
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"operator:s3cret").decode()
    assert request.content == b"grant_type=client_credentials"


async def test_requests_asking_at_once_share_one_fetch() -> None:
    idp = IdentityProvider()
    token = _token(idp, Clock())
    assert set(await asyncio.gather(*(token.bearer() for _ in range(5)))) == {"token-1"}
    assert len(idp.asked) == 1


async def test_a_given_token_is_sent_as_is_and_nothing_is_fetched() -> None:
    idp = IdentityProvider()
    token = _token(idp, Clock(), OperatorCredentials(token="given", token_url=TOKEN_URL))
    assert await token.bearer() == "given"
    assert idp.asked == []


async def test_nothing_configured_sends_no_token() -> None:
    assert await _token(IdentityProvider(), Clock(), OperatorCredentials()).bearer() is None


async def test_a_partial_configuration_names_what_is_missing() -> None:
    token = _token(IdentityProvider(), Clock(), OperatorCredentials(token_url=TOKEN_URL, client_id="operator"))
    with pytest.raises(TokenConfigurationError, match="LIENTHONG_OPERATOR_CLIENT_SECRET not set"):
        await token.bearer()


async def test_a_refused_client_says_which_client_and_which_variables() -> None:
    with pytest.raises(TokenConfigurationError) as refused:
        await _token(IdentityProvider(status=401), Clock()).bearer()
    message = str(refused.value)
    assert "refused client operator" in message
    assert "invalid_client" in message
    assert "LIENTHONG_OPERATOR_CLIENT_SECRET" in message
    assert "s3cret" not in message


async def test_an_identity_provider_down_is_unavailable_not_misconfigured() -> None:
    with pytest.raises(IdentityProviderUnavailableError, match="answered 503"):
        await _token(IdentityProvider(status=503), Clock()).bearer()

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    token = OperatorToken(FETCHING, httpx.AsyncClient(transport=httpx.MockTransport(refuse)))
    with pytest.raises(IdentityProviderUnavailableError, match="cannot reach the identity provider"):
        await token.bearer()


def test_the_credentials_come_from_the_environment() -> None:
    environ = {
        "LIENTHONG_TOKEN_URL": TOKEN_URL,
        "LIENTHONG_OPERATOR_CLIENT_ID": "operator",
        "LIENTHONG_OPERATOR_CLIENT_SECRET": "s3cret",
        "LIENTHONG_OPERATOR_TOKEN": "",
    }
    assert OperatorCredentials.from_environ(environ) == FETCHING
    assert not OperatorCredentials.from_environ({}).configured


# --- the CLI's requests ------------------------------------------------------------------------


def _services(
    answer: Callable[[httpx.Request], httpx.Response], credentials: OperatorCredentials, idp: IdentityProvider
) -> ServiceClient:
    def route(request: httpx.Request) -> httpx.Response:
        return idp(request) if request.url.host == "idp.test" else answer(request)

    return ServiceClient(URLS, transport=httpx.MockTransport(route), credentials=credentials)


async def test_every_request_carries_the_bearer_token() -> None:
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(200, json=[])

    idp = IdentityProvider()
    async with _services(answer, FETCHING, idp) as services:
        await services.read("intake", "/v1/outbox")
        await services.read("notification", "/v1/outbox")
    assert seen == ["Bearer token-1", "Bearer token-1"]
    assert len(idp.asked) == 1


async def test_a_fetched_token_a_service_refuses_is_fetched_again_once() -> None:
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(401 if len(seen) == 1 else 200, json={})

    async with _services(answer, FETCHING, IdentityProvider()) as services:
        assert (await services.request("intake", "GET", "/v1/outbox")).status_code == 200
    assert seen == ["Bearer token-1", "Bearer token-2"]


async def test_a_given_token_a_service_refuses_is_not_retried() -> None:
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(401, json={"title": "Unauthorized"})

    async with _services(answer, OperatorCredentials(token="given"), IdentityProvider()) as services:
        assert (await services.request("intake", "GET", "/v1/outbox")).status_code == 401
    assert seen == ["Bearer given"]


async def test_a_401_without_credentials_names_the_variables_to_set() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        assert "authorization" not in request.headers
        return httpx.Response(401, json={"title": "Unauthorized"})

    async with _services(answer, OperatorCredentials(), IdentityProvider()) as services:
        with pytest.raises(TokenConfigurationError) as refused:
            await services.read("intake", "/v1/outbox")
    for name in ("LIENTHONG_OPERATOR_TOKEN", "LIENTHONG_TOKEN_URL", "LIENTHONG_OPERATOR_CLIENT_ID"):
        assert name in str(refused.value)
    assert str(refused.value).startswith("intake answered 401")
