"""The operator CLI's bearer token: given as is, or fetched by OAuth 2.0 client credentials.

    LIENTHONG_OPERATOR_TOKEN           a token to send as is (its holder renews it), or
    LIENTHONG_TOKEN_URL                the identity provider's token endpoint, with
    LIENTHONG_OPERATOR_CLIENT_ID       the client whose token carries the ``operator`` scope, and
    LIENTHONG_OPERATOR_CLIENT_SECRET   its secret (sent by HTTP Basic).

A fetched token is kept until shortly before its ``expires_in`` runs out, and fetched again
when a service answers 401 to it (revoked, or the clocks disagree).
"""

import asyncio
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

# The environment variables' names (not secrets):
TOKEN = "LIENTHONG_OPERATOR_TOKEN"  # noqa: S105
TOKEN_URL = "LIENTHONG_TOKEN_URL"  # noqa: S105
CLIENT_ID = "LIENTHONG_OPERATOR_CLIENT_ID"
CLIENT_SECRET = "LIENTHONG_OPERATOR_CLIENT_SECRET"  # noqa: S105
HOW_TO_CONFIGURE = f"set {TOKEN}, or {TOKEN_URL} with {CLIENT_ID} and {CLIENT_SECRET}"
RENEW_BEFORE_SECONDS = 30.0
"""A token is renewed this long before it expires, or a tenth of its life before if that is shorter."""


class TokenConfigurationError(Exception):
    """The CLI has no usable credentials: none set, some missing, or the identity provider refused them."""


class IdentityProviderUnavailableError(Exception):
    """The identity provider could not be reached, or failed to answer (a 5xx)."""


@dataclass(frozen=True)
class OperatorCredentials:
    """What the environment gives the CLI to authenticate with."""

    token: str | None = None
    token_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> "OperatorCredentials":
        environ = os.environ if environ is None else environ
        return cls(*(environ.get(name) or None for name in (TOKEN, TOKEN_URL, CLIENT_ID, CLIENT_SECRET)))

    @property
    def configured(self) -> bool:
        """Whether any way to authenticate is set (a partial one fails when used, naming what is missing)."""
        return any((self.token, self.token_url, self.client_id, self.client_secret))

    @property
    def renewable(self) -> bool:
        return self.token is None and self.configured


class OperatorToken:
    """The bearer token to send, fetched at most once per lifetime however many requests ask at once."""

    def __init__(
        self,
        credentials: OperatorCredentials,
        http: httpx.AsyncClient,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.credentials = credentials
        self._http = http
        self._clock = clock
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = asyncio.Lock()

    async def bearer(self) -> str | None:
        """The token to send, or None when nothing is configured."""
        if self.credentials.token:
            return self.credentials.token
        if not self.credentials.configured:
            return None
        async with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._token, lifetime = await self._fetch()
                self._renew_at = self._clock() + max(lifetime - RENEW_BEFORE_SECONDS, lifetime * 0.9)
            return self._token

    def forget(self, refused: str) -> None:
        """Drop the fetched token ``refused`` (a service answered 401 to it) so the next request fetches anew."""
        if self._token == refused:
            self._token = None

    async def _fetch(self) -> tuple[str, float]:
        missing = [
            name
            for name, value in (
                (TOKEN_URL, self.credentials.token_url),
                (CLIENT_ID, self.credentials.client_id),
                (CLIENT_SECRET, self.credentials.client_secret),
            )
            if not value
        ]
        if missing:
            raise TokenConfigurationError(f"cannot fetch the operator's token: {', '.join(missing)} not set")
        url = str(self.credentials.token_url)
        try:
            answer = await self._http.post(
                url,
                data={"grant_type": "client_credentials"},
                auth=(str(self.credentials.client_id), str(self.credentials.client_secret)),
            )
        except httpx.TransportError as error:
            raise IdentityProviderUnavailableError(
                f"cannot reach the identity provider at {url}: {error or type(error).__name__}"
            ) from error
        if answer.status_code >= 500:
            raise IdentityProviderUnavailableError(f"the identity provider at {url} answered {answer.status_code}")
        return _granted(answer, url, str(self.credentials.client_id))


def _granted(answer: httpx.Response, url: str, client_id: str) -> tuple[str, float]:
    """The token and its lifetime in seconds from a token endpoint's answer; refusals say why."""
    try:
        body = answer.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise TokenConfigurationError(f"the identity provider at {url} answered {answer.status_code}, not a token")
    if answer.status_code >= 400 or not isinstance(body.get("access_token"), str):
        reason = ": ".join(str(body[k]) for k in ("error", "error_description") if body.get(k))
        raise TokenConfigurationError(
            f"the identity provider at {url} refused client {client_id}"
            f" ({answer.status_code} {reason or 'no token'}); check {CLIENT_ID} and {CLIENT_SECRET}"
        )
    expires_in = body.get("expires_in")
    lifetime = float(expires_in) if isinstance(expires_in, int | float) and expires_in > 0 else 60.0
    return body["access_token"], lifetime
