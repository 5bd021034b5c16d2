"""The delivery worker's pass: claims due deliveries, sends them, records each outcome.

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

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from services.notification import handlers
from services.notification.channels import Outgoing, Sender
from services.notification.delivery.metrics import DeliveryMetrics
from services.notification.domain.delivery import DeadLettered, Outcome, SendFailed, Step, next_step
from services.notification.store import DeliveryRow, NotificationStore
from shared.kernel.retry import RetryPolicy
from shared.kernel.unit_of_work import UnitOfWork
from shared.observability.dossier_tracing import dossier_context
from shared.observability.logging_setup import redact

log = logging.getLogger(__name__)

Transactions = Callable[[], contextlib.AbstractAsyncContextManager[UnitOfWork[NotificationStore]]]
"""Opens a unit of work on a new transaction (the runtime's ``transaction``)."""


class DeliveryWorker:
    """Sends the deliveries table's due rows through the configured senders."""

    def __init__(
        self,
        transaction: Transactions,
        senders: dict[str, Sender],
        policy: RetryPolicy,
        metrics: DeliveryMetrics,
        *,
        tracer: trace.Tracer,
        batch: int,
        lease_seconds: float,
        send_timeout_seconds: float,
    ) -> None:
        self._transaction = transaction
        self._senders = senders
        self._policy = policy
        self._metrics = metrics
        self._tracer = tracer
        self.batch = batch
        self._lease_seconds = lease_seconds
        self._send_timeout = send_timeout_seconds

    async def deliver_due(self, _connection: object = None) -> int:
        """Claim one batch of due deliveries and send them concurrently; returns how many were claimed."""
        async with self._transaction() as uow:
            rows = await uow.store.claim_due(batch=self.batch, lease_seconds=self._lease_seconds)
        results = await asyncio.gather(*(self._deliver(row) for row in rows), return_exceptions=True)
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, Exception):
                # The row stays claimed: its lease ends and it is tried again.
                log.error("delivery %s: its outcome could not be recorded: %r", row["id"], result)
        return len(rows)

    async def _deliver(self, row: DeliveryRow) -> None:
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
            step = next_step(self._policy, outcome, row["attempts"])
            span.set_attribute("lienthong.delivery.step", type(step).__name__)
            await self._record(row, step)

    async def _send(self, row: DeliveryRow) -> Outcome:
        sender = self._senders.get(row["channel"])
        if sender is None:
            return SendFailed(f"channel {row['channel']} is not configured in this process", permanent=False)
        message = Outgoing(
            key=_key(row),
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

    async def _record(self, row: DeliveryRow, step: Step) -> None:
        delivery_id, attempt, channel = row["id"], row["attempts"], row["channel"]
        async with self._transaction() as uow:
            kept = await handlers.finish_try(uow, row, step, senders=frozenset(self._senders))
        if not kept:
            log.warning(
                "delivery %s: its lease passed to another worker; outcome of try %s dropped", delivery_id, attempt
            )
            return
        self._metrics.count(channel, step)
        if isinstance(step, DeadLettered):
            log.warning("delivery %s on %s dead-lettered: %s", delivery_id, channel, step.error)


def _key(row: DeliveryRow) -> str:
    """Stable for one delivery: the event and channel, and the row for a clerk's (one event tells several)."""
    key = f"{row['event_id']}.{row['channel']}"
    return key if row.get("clerk_id") is None else f"{key}.{row['id']}"
