"""Publishes outbox rows to Kafka in order, then marks them sent."""

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from opentelemetry import context, propagate

from shared.kernel.outbox import NOTIFY_CHANNEL

log = logging.getLogger(__name__)

Publish = Callable[[dict[str, Any], str, str, dict[str, str]], Awaitable[Any]]
"""``publish(payload, topic, key, headers)``; returns once the broker acknowledged."""


class OutboxRelay:
    """One relay per service is active at a time (a PostgreSQL advisory lock decides).

    A crash between publishing and marking a row sent publishes it again on restart;
    consumers drop the duplicate through their inbox, so nothing is lost or doubled.
    """

    def __init__(self, dsn: str, schema: str, publish: Publish, *, poll_seconds: float, batch: int = 200):
        self._dsn = dsn
        self._schema = schema
        self._publish = publish
        self._poll_seconds = poll_seconds
        self._batch = batch
        self._wake = asyncio.Event()

    async def run(self) -> None:
        """Relay until cancelled; reconnects after database errors."""
        while True:
            try:
                await self._run_connected()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay of %s failed; retrying", self._schema)
                await asyncio.sleep(self._poll_seconds)

    async def _run_connected(self) -> None:
        connection = await asyncpg.connect(self._dsn, server_settings={"search_path": self._schema})
        try:
            await connection.add_listener(NOTIFY_CHANNEL, self._on_notify)
            await self._become_the_active_relay(connection)
            while True:
                self._wake.clear()
                if await self.relay_pending(connection) == 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
        finally:
            await connection.close()

    async def _become_the_active_relay(self, connection: asyncpg.Connection) -> None:
        """Wait for the relay lock: other instances of the service stand by until it frees."""
        lock_name = f"relay:{self._schema}"
        while True:
            if await connection.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", lock_name):
                return
            await asyncio.sleep(self._poll_seconds)

    def _on_notify(self, _connection: object, _pid: int, _channel: str, schema: str) -> None:
        if schema == self._schema:
            self._wake.set()

    async def relay_pending(self, connection: asyncpg.Connection) -> int:
        """Publish one batch of unsent rows in id order; returns how many were sent."""
        rows = await connection.fetch(
            "SELECT id, topic, key, headers, payload, trace_carrier FROM outbox"
            " WHERE published_at IS NULL ORDER BY id LIMIT $1",
            self._batch,
        )
        for row in rows:
            token = context.attach(propagate.extract(json.loads(row["trace_carrier"])))
            try:
                await self._publish(json.loads(row["payload"]), row["topic"], row["key"], json.loads(row["headers"]))
            finally:
                context.detach(token)
            await connection.execute("UPDATE outbox SET published_at = now() WHERE id = $1", row["id"])
        return len(rows)
