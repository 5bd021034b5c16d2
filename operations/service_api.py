"""The services' HTTP APIs as the operator CLI reaches them: one base URL per service, errors said plainly.

Each service is at ``LIENTHONG_<SERVICE>_URL`` (e.g. ``LIENTHONG_NOTIFICATION_URL``), by default
``http://127.0.0.1:<port>`` with the port the service registry gives it. Every request carries the
operator's bearer token (:mod:`operations.tokens` says where it comes from).
"""

import os
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import httpx

from operations.tokens import HOW_TO_CONFIGURE, OperatorCredentials, OperatorToken, TokenConfigurationError
from services.registry import SERVICES, entry


class ServiceUnavailableError(Exception):
    """A service could not be reached, or failed to answer (a 5xx)."""


class ServiceRefusedError(Exception):
    """A service refused the request (a 4xx); the message is its problem document, field by field."""

    def __init__(self, service: str, answer: httpx.Response) -> None:
        super().__init__(f"{service} answered {answer.status_code}: {problem_summary(answer)}")
        self.status = answer.status_code
        self.answer = answer


def service_url(name: str, environ: Mapping[str, str] | None = None) -> str:
    """The base URL of the service called ``name``."""
    environ = os.environ if environ is None else environ
    return environ.get(f"LIENTHONG_{name.upper()}_URL") or f"http://127.0.0.1:{entry(name).port}"


def service_urls(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The base URL of every service, in the registry's order."""
    return {service.name: service_url(service.name, environ) for service in SERVICES}


def in_path(value: str) -> str:
    """``value`` as one path segment."""
    return quote(value, safe="")


def problem_summary(answer: httpx.Response) -> str:
    """What a problem document says: each field and its reason, else its title (and detail)."""
    try:
        problem = answer.json()
    except ValueError:
        return answer.text[:200] or answer.reason_phrase
    if not isinstance(problem, dict):
        return str(problem)[:200]
    errors = problem.get("errors") or []
    if errors:
        return "; ".join(f"{e.get('field')}: {e.get('reason')}" for e in errors)
    return ": ".join(str(part) for part in (problem.get("title"), problem.get("detail")) if part)


class ServiceClient:
    """Asks the services over HTTP; used as ``async with ServiceClient() as services``."""

    def __init__(
        self,
        urls: Mapping[str, str] | None = None,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        credentials: OperatorCredentials | None = None,
    ) -> None:
        self.urls = dict(service_urls() if urls is None else urls)
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport)
        self._token = OperatorToken(credentials or OperatorCredentials.from_environ(), self._http)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self._http.aclose()

    async def request(self, service: str, method: str, path: str, **options: Any) -> httpx.Response:
        """The service's answer, asked with the operator's token.

        A 5xx or no answer raises :class:`ServiceUnavailableError`; a 401 when the CLI has no
        credentials raises :class:`TokenConfigurationError` naming the variables to set. A fetched
        token a service answers 401 to is fetched again, once.
        """
        answer, sent = await self._send(service, method, path, **options)
        if answer.status_code == 401 and sent is not None and self._token.credentials.renewable:
            self._token.forget(sent)
            answer, sent = await self._send(service, method, path, **options)
        if answer.status_code == 401 and sent is None:
            raise TokenConfigurationError(f"{service} answered 401 to a request without a token: {HOW_TO_CONFIGURE}")
        return answer

    async def _send(self, service: str, method: str, path: str, **options: Any) -> tuple[httpx.Response, str | None]:
        url = self.urls[service].rstrip("/") + path
        token = await self._token.bearer()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            answer = await self._http.request(method, url, headers=headers, **options)
        except httpx.TransportError as error:
            raise ServiceUnavailableError(
                f"cannot reach {service} at {self.urls[service]}: {error or type(error).__name__}"
            ) from error
        if answer.status_code >= 500:
            raise ServiceUnavailableError(f"{service} answered {answer.status_code}: {problem_summary(answer)}")
        return answer, token

    async def read(
        self, service: str, path: str, params: Mapping[str, Any] | None = None, *, absent_ok: bool = False
    ) -> Any:
        """The JSON the service answers to ``GET path``; with ``absent_ok``, None when it answers 404."""
        answer = await self.request(service, "GET", path, params=params)
        if answer.status_code == 404 and absent_ok:
            return None
        if answer.status_code >= 400:
            raise ServiceRefusedError(service, answer)
        return answer.json()
