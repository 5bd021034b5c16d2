"""The delivery worker: claims due deliveries, sends them, records each outcome.

Nothing here runs inside a Kafka handler, so a slow or failing provider never holds up a
partition. A delivery is claimed with a lease in its own transaction, sent outside any
transaction, and finished in a third; a worker killed mid-send leaves the row ``sending``
until its lease ends, when any worker tries it again with the same idempotency key.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable

import asyncpg
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from services.notification import handlers
from services.notification.adapters import repository
from services.notification.channels import Outgoing, Sender
from services.notification.delivery.metrics import DeliveryMetrics
from services.notification.domain.delivery import (
    DeadLettered,
    Finished,
    Outcome,
    RetryLater,
    RetryPolicy,
    SendFailed,
    Step,
)
from shared.observability.dossier_tracing import dossier_context
from shared.observability.logging_setup import redact

log = logging.getLogger(__name__)


class DeliveryWorker:
    """Sends the deliveries table's due rows through the configured senders."""

    def __init__(
        self,
        pool: Callable[[], asyncpg.Pool],
        senders: dict[str, Sender],
        policy: RetryPolicy,
        metrics: DeliveryMetrics,
        *,
        tracer: trace.Tracer,
        batch: int,
        lease_seconds: float,
        send_timeout_seconds: float,
        poll_seconds: float,
        listen_dsn: str | None = None,
    ) -> None:
        self._pool = pool
        self._senders = senders
        self._policy = policy
        self._metrics = metrics
        self._tracer = tracer
        self._batch = batch
        self._lease_seconds = lease_seconds
        self._send_timeout = send_timeout_seconds
        self._poll_seconds = poll_seconds
        self._listen_dsn = listen_dsn
        self._wake = asyncio.Event()

    def wake(self, *_: object) -> None:
        """Look for due rows now (new rows were planned)."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled (then close the senders); a database error is logged and the loop goes on."""
        if not self._senders:
            log.warning("no channel is configured: nothing will be sent (set LIENTHONG_SMS_GATEWAY_URL, …)")
        listener = await self._listen()
        try:
            await self._deliver_forever()
        finally:
            if listener is not None:
                await listener.close()
            await asyncio.gather(*(sender.close() for sender in self._senders.values()))

    async def _listen(self) -> asyncpg.Connection | None:
        """A connection that wakes the worker when rows are planned; polling alone works without it."""
        if self._listen_dsn is None:
            return None
        try:
            connection = await asyncpg.connect(self._listen_dsn)
            await connection.add_listener(repository.WAKE_CHANNEL, self.wake)
        except (OSError, asyncpg.PostgresError) as error:
            log.warning("delivery worker polls only: cannot listen for new deliveries (%r)", error)
            return None
        return connection

    async def _deliver_forever(self) -> None:
        while True:
            self._wake.clear()
            try:
                sent = await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivery round failed; trying again")
                sent = 0
            if sent < self._batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll_seconds)

    async def deliver_due(self) -> int:
        """Claim one batch of due deliveries and send them concurrently; returns how many were claimed."""
        async with self._pool().acquire() as connection:
            rows = await repository.claim(connection, batch=self._batch, lease_seconds=self._lease_seconds)
        results = await asyncio.gather(*(self._deliver(row) for row in rows), return_exceptions=True)
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, Exception):
                # The row stays claimed: its lease ends and it is tried again.
                log.error("delivery %s: its outcome could not be recorded: %r", row["id"], result)
        return len(rows)

    async def _deliver(self, row: asyncpg.Record) -> None:
        parent = propagate.extract(json.loads(row["trace_carrier"]))
        ctx = dossier_context(row["dossier_code"], None, parent)
        attributes = {"lienthong.delivery.channel": row["channel"], "lienthong.delivery.attempt": row["attempts"]}
        with self._tracer.start_as_current_span(
            f"deliver {row['channel']}", context=ctx, kind=SpanKind.CLIENT, attributes=attributes
        ) as span:
            outcome = await self._send(row)
            if isinstance(outcome, SendFailed):
                # Providers echo what they were sent; what is kept and traced holds no contact.
                outcome = SendFailed(redact(outcome.error), outcome.permanent)
                span.set_status(Status(StatusCode.ERROR, outcome.error))
            step = self._policy.after(outcome, row["attempts"])
            span.set_attribute("lienthong.delivery.step", type(step).__name__)
            await self._record(row, step)

    async def _send(self, row: asyncpg.Record) -> Outcome:
        sender = self._senders.get(row["channel"])
        if sender is None:
            return SendFailed(f"channel {row['channel']} is not configured in this process", permanent=False)
        message = Outgoing(
            key=f"{row['event_id']}.{row['channel']}",
            address=row["recipient"],
            text=row["message"],
            subject=row["subject"],
            record=None if row["record"] is None else json.loads(row["record"]),
        )
        try:
            # The provider's own timeout comes first; this one keeps a hung call inside the lease.
            return await asyncio.wait_for(sender.send(message), self._send_timeout)
        except TimeoutError:
            return SendFailed(f"no answer within {self._send_timeout:.0f} s", permanent=False)
        except Exception as error:  # a sender's own fault counts as a try, so the row cannot loop for ever
            log.exception("delivery %s: the %s sender failed", row["id"], row["channel"])
            return SendFailed(f"sender failed: {type(error).__name__}", permanent=False)

    async def _record(self, row: asyncpg.Record, step: Step) -> None:
        delivery_id, attempt, channel = row["id"], row["attempts"], row["channel"]
        async with self._pool().acquire() as connection, connection.transaction():
            if isinstance(step, Finished):
                kept = await repository.delivered(connection, delivery_id, attempt, step.provider_ref)
            elif isinstance(step, RetryLater):
                kept = await repository.retry_later(connection, delivery_id, attempt, step.delay_seconds, step.error)
            else:
                kept = await repository.dead_letter(connection, delivery_id, attempt, step.error)
                if kept and await handlers.plan_fallback(connection, row, senders=frozenset(self._senders)):
                    log.info("delivery %s on %s dead-lettered; sent by the fallback channel", delivery_id, channel)
        if not kept:
            log.warning(
                "delivery %s: its lease passed to another worker; outcome of try %s dropped", delivery_id, attempt
            )
            return
        self._metrics.count(channel, step)
        if isinstance(step, DeadLettered):
            log.warning("delivery %s on %s dead-lettered: %s", delivery_id, channel, step.error)
