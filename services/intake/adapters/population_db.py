"""The National Population Database's verification API over HTTP, behind a timeout and a circuit breaker.

``POST {url}/api/v1/citizens/verify`` with ``Authorization: Bearer {token}`` and
``{"citizen_id", "full_name", "date_of_birth": "YYYY-MM-DD"}`` answers 200
``{"found": bool, "match": bool, "mismatched": ["full_name" | "date_of_birth", ...]}``.
Anything else — a 5xx, another status, a body that does not parse, no answer within the
timeout, no connection — counts as a failure of the database. After ``threshold`` failures
in a row the breaker opens: for ``open_seconds`` no call goes out at all, then one is let
through to see whether the database is back.

Nothing personal is logged: requests and answers stay out of log lines and exceptions.
"""

import asyncio
import logging
import time
from typing import Any

import httpx
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
from pydantic import BaseModel, ConfigDict, ValidationError

from services.intake.domain.identity import CheckResult, Person, RegistryAnswer, RegistryUnreachable

CIRCUIT = "population-db"
VERIFY_PATH = "/api/v1/citizens/verify"
log = logging.getLogger(__name__)


class _Verdict(BaseModel):
    model_config = ConfigDict(extra="ignore")

    found: bool
    match: bool
    mismatched: list[str] = []


class _UnavailableError(Exception):
    """The database failed this call; ``reason`` is safe to store and log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PopulationDbClient:
    """:class:`PopulationRegistry` over HTTP; one instance per process, closed with :meth:`aclose`."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout_seconds: float,
        threshold: int,
        open_seconds: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._timeout = timeout_seconds
        self._http = httpx.AsyncClient(
            base_url=url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout_seconds,
            transport=transport,
        )
        self._breakers = AsyncCircuitBreakerFactory(default_threshold=threshold, default_ttl=open_seconds)
        self._breakers.add_listener(_log_breaker)

    async def verify(self, person: Person) -> CheckResult:
        """Ask about ``person``; an outage, a timeout or an open breaker gives :class:`RegistryUnreachable`."""
        breaker = await self._breakers.get_breaker(CIRCUIT)
        context = breaker.context
        if context.state == "opened" and time.time() <= (context.opened_at or 0) + context.ttl:
            return RegistryUnreachable("circuit open")
        try:
            async with breaker:
                return await self._call(person)
        except OpenedState as error:
            # purgatory raises the state object itself each time: drop the frames it would keep.
            error.with_traceback(None)
            return RegistryUnreachable("circuit open")
        except _UnavailableError as error:
            return RegistryUnreachable(error.reason)

    async def _call(self, person: Person) -> RegistryAnswer:
        body = {
            "citizen_id": person.citizen_id,
            "full_name": person.full_name,
            "date_of_birth": person.date_of_birth.isoformat(),
        }
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._http.post(VERIFY_PATH, json=body)
        except (TimeoutError, httpx.TimeoutException):
            raise _UnavailableError("timeout") from None
        except httpx.HTTPError as error:
            raise _UnavailableError(type(error).__name__) from None
        if response.status_code != 200:
            raise _UnavailableError(f"HTTP {response.status_code}")
        try:
            verdict = _Verdict.model_validate_json(response.content)
        except ValidationError:
            raise _UnavailableError("unreadable answer") from None
        return RegistryAnswer(found=verdict.found, match=verdict.match, mismatched=tuple(verdict.mismatched))

    async def aclose(self) -> None:
        await self._http.aclose()


def _log_breaker(circuit: str, kind: str, event: Any) -> None:
    if kind == "state_changed":
        log.warning("circuit breaker %s is now %s", circuit, getattr(event, "state", "?"))
