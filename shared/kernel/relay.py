"""Publishes outbox rows to Kafka in order, then marks them sent: a pass of the service's relay worker."""

import json
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from opentelemetry import context, propagate

from shared.kernel.outbox import NOTIFY_CHANNEL
from shared.kernel.polling import PollingWorker, WakeUp, WorkerMetrics

Publish = Callable[[dict[str, Any], str, str, dict[str, str]], Awaitable[Any]]
"""``publish(payload, topic, key, headers)``; returns once the broker acknowledged."""


class OutboxRelay:
    """Publishes a service's unsent outbox rows in id order, inside each row's stored trace context.

    A crash between publishing and marking a row sent publishes it again on restart;
    consumers drop the duplicate through their inbox, so nothing is lost or doubled.
    """

    def __init__(self, publish: Publish, *, batch: int = 200) -> None:
        self._publish = publish
        self.batch = batch

    async def relay_pending(self, connection: asyncpg.Connection | None) -> int:
        """Publish one batch of unsent rows in id order; returns how many were sent."""
        assert connection is not None, "the relay runs on its worker's own connection, which holds its lock"
        rows = await connection.fetch(
            "SELECT id, topic, key, headers, payload, trace_carrier FROM outbox"
            " WHERE published_at IS NULL ORDER BY id LIMIT $1",
            self.batch,
        )
        for row in rows:
            token = context.attach(propagate.extract(json.loads(row["trace_carrier"])))
            try:
                await self._publish(json.loads(row["payload"]), row["topic"], row["key"], json.loads(row["headers"]))
            finally:
                context.detach(token)
            await connection.execute("UPDATE outbox SET published_at = now() WHERE id = $1", row["id"])
        return len(rows)


def relay_worker(
    dsn: str, schema: str, publish: Publish, *, poll_seconds: float, metrics: WorkerMetrics | None = None
) -> PollingWorker:
    """The service's relay: one active instance (advisory lock), woken by ``NOTIFY`` on each new row."""
    relay = OutboxRelay(publish)
    return PollingWorker(
        f"{schema}-outbox-relay",
        relay.relay_pending,
        batch=relay.batch,
        poll_seconds=poll_seconds,
        wake=WakeUp(dsn, NOTIFY_CHANNEL, payload=schema, server_settings={"search_path": schema}),
        exclusive=f"relay:{schema}",
        metrics=metrics,
    )
