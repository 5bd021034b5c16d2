"""Callbacks a stand-in sends its merchant: signed, retried while the receiver is down, recorded for tests.

The body is compact JSON; ``<timestamp header>`` carries the unix seconds of the try and
``<signature header>`` the hex HMAC-SHA256, under the shared secret, of ``f"{timestamp}.{body}"``.
A try answered 2xx delivered the callback; 4xx means the receiver refused it (not tried again);
a connection error or 5xx is tried again after each of ``delays``, then given up.
"""

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from fastapi import APIRouter
from pydantic import BaseModel, Field

DEFAULT_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` under ``secret``."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def compact(body: dict[str, Any]) -> bytes:
    """The bytes sent (and signed) for ``body``."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


class Attempt(BaseModel):
    """One try of a callback and how the receiver answered (``status_code``) or why it could not (``error``)."""

    at: datetime
    timestamp: int
    status_code: int | None = None
    error: str | None = None
    answer: str | None = Field(default=None, description="The start of the receiver's answer.")


class SentCallback(BaseModel):
    """A callback and its tries, for tests and operators."""

    callback_id: str
    url: str
    body: dict[str, Any]
    state: Literal["sending", "delivered", "refused", "given-up"] = "sending"
    attempts: list[Attempt] = Field(default_factory=list)


@dataclass
class CallbackSender:
    """Sends one stand-in's callbacks, with its secret and header names."""

    secret: str
    timestamp_header: str
    signature_header: str
    delays: tuple[float, ...] = DEFAULT_DELAYS
    transport: httpx.AsyncBaseTransport | None = None
    """How to reach the merchant; None: the network (tests give an in-process app's)."""
    sent: list[SentCallback] = field(default_factory=list)
    _tasks: set["asyncio.Task[None]"] = field(default_factory=set)

    def deliver(self, url: str, body: dict[str, Any]) -> SentCallback:
        """Start sending ``body`` to ``url`` in the background, retried as the module says."""
        callback = SentCallback(callback_id=uuid.uuid4().hex, url=url, body=body)
        self.sent.append(callback)
        task = asyncio.create_task(self._deliver(callback))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return callback

    async def send_once(
        self, url: str, body: dict[str, Any], *, timestamp: int | None = None, secret: str | None = None
    ) -> Attempt:
        """One try, signed now (or at ``timestamp``, with ``secret``: how tests replay and forge)."""
        at = int(time.time()) if timestamp is None else timestamp
        raw = compact(body)
        headers = {
            "Content-Type": "application/json",
            self.timestamp_header: str(at),
            self.signature_header: signature(self.secret if secret is None else secret, at, raw),
        }
        attempt = Attempt(at=datetime.now(UTC), timestamp=at)
        try:
            async with httpx.AsyncClient(timeout=10, transport=self.transport) as client:
                response = await client.post(url, content=raw, headers=headers)
        except httpx.HTTPError as error:
            attempt.error = type(error).__name__
            return attempt
        attempt.status_code = response.status_code
        attempt.answer = response.text[:500]
        return attempt

    def control_routes(self, tag: str) -> APIRouter:
        """``GET /control/callbacks``: the callbacks sent, oldest first, with each try (for tests and operators)."""
        routes = APIRouter(tags=[tag])

        @routes.get("/control/callbacks")
        async def callbacks() -> list[SentCallback]:
            return self.sent

        return routes

    def forget(self) -> None:
        """Stop sending and forget every callback."""
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        self.sent.clear()

    async def _deliver(self, callback: SentCallback) -> None:
        for delay in (*self.delays, None):
            attempt = await self.send_once(callback.url, callback.body)
            callback.attempts.append(attempt)
            status = attempt.status_code
            if status is not None and status < 500:
                callback.state = "delivered" if status < 400 else "refused"
                return
            if delay is None:
                break
            await asyncio.sleep(delay)
        callback.state = "given-up"
