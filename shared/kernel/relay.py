"""Publishes outbox rows to Kafka in order, then marks them sent: a pass of the service's relay worker."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from opentelemetry import context, propagate

from shared.kernel.outbox import NOTIFY_CHANNEL
from shared.kernel.polling import PollingWorker, WakeUp, WorkerMetrics

Send = Callable[[dict[str, Any], str, str, dict[str, str]], Awaitable[Awaitable[Any]]]
"""``send(payload, topic, key, headers)``: hands the message to the producer and returns its
acknowledgement, which the relay awaits together with the others of its batch."""


class OutboxRelay:
    """Publishes a service's unsent outbox rows in id order, inside each row's stored trace context.

    A batch is handed to the producer in id order, its acknowledgements are awaited together
    and its rows marked sent in one statement. The idempotent producer keeps the order within
    a partition, so a dossier's events (one key, one partition) arrive in the order written.
    A failure or a crash before the rows are marked publishes the batch again; consumers drop
    the duplicates through their inbox, so nothing is lost or doubled.
    """

    def __init__(self, send: Send, *, batch: int = 200) -> None:
        self._send = send
        self.batch = batch

    async def relay_pending(self, connection: asyncpg.Connection | None) -> int:
        """Publish one batch of unsent rows in id order; returns how many were sent."""
        assert connection is not None, "the relay runs on its worker's own connection, which holds its lock"
        rows = await connection.fetch(
            "SELECT id, topic, key, headers, payload, trace_carrier FROM outbox"
            " WHERE published_at IS NULL ORDER BY id LIMIT $1",
            self.batch,
        )
        acknowledgements = []
        for row in rows:
            token = context.attach(propagate.extract(json.loads(row["trace_carrier"])))
            try:
                payload, headers = json.loads(row["payload"]), json.loads(row["headers"])
                acknowledgements.append(await self._send(payload, row["topic"], row["key"], headers))
            finally:
                context.detach(token)
        await asyncio.gather(*acknowledgements)
        if rows:
            sent = [row["id"] for row in rows]
            await connection.execute("UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])", sent)
        return len(rows)


def relay_worker(
    dsn: str, schema: str, send: Send, *, poll_seconds: float, batch: int, metrics: WorkerMetrics | None = None
) -> PollingWorker:
    """The service's relay: one active instance (advisory lock), woken by ``NOTIFY`` on each new row."""
    relay = OutboxRelay(send, batch=batch)
    return PollingWorker(
        f"{schema}-outbox-relay",
        relay.relay_pending,
        batch=relay.batch,
        poll_seconds=poll_seconds,
        wake=WakeUp(dsn, NOTIFY_CHANNEL, payload=schema, server_settings={"search_path": schema}),
        exclusive=f"relay:{schema}",
        metrics=metrics,
    )
