"""The notification store on PostgreSQL: the deliveries table and its operators' retries, on one connection."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
from opentelemetry import propagate

from services.notification.adapters.queries import COLUMNS
from services.notification.domain.planned import PlannedDelivery
from services.notification.store import DeliveryRow
from shared.contracts import DossierStatusChanged, TaskDeadlineReached, TaskEscalated
from shared.kernel.polling import LeasedRows

DUE_DELIVERIES = LeasedRows(
    "deliveries",
    due_column="next_attempt_at",
    # Rows of one dossier, channel and recipient (the applicant, or one clerk) go strictly in order:
    # only the oldest unfinished one is due.
    ready="state IN ('pending', 'sending') AND NOT EXISTS (SELECT 1 FROM deliveries e"
    " WHERE e.dossier_id = deliveries.dossier_id AND e.channel = deliveries.channel AND e.id < deliveries.id"
    " AND e.clerk_id IS NOT DISTINCT FROM deliveries.clerk_id"
    " AND e.state IN ('pending', 'sending'))",
    returning="*",
    claim_set="state = 'sending', attempts = attempts + 1",
    order_by="next_attempt_at, id",
)
WAKE_CHANNEL = "lienthong_deliveries"
"""Notified when deliveries are due now, so a waiting worker starts at once."""


@dataclass(frozen=True)
class DeliverySource:
    """The dossier an event is about, the status it announces (None for a clerk's message) and a language."""

    dossier_id: UUID
    dossier_code: str
    status: str | None
    language: str


class PostgresNotificationStore:
    """:class:`~services.notification.store.NotificationStore` on a connection the caller put in a transaction."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def take_status_change(self, dossier_id: UUID, sequence: int | None) -> bool:
        # is_newer in SQL: 0 held means none numbered; a change of unknown sequence (0 here) is newer only than that.
        taken = await self.connection.fetchval(
            "INSERT INTO newest_status_changes AS held (dossier_id, sequence) VALUES ($1, coalesce($2, 0))"
            " ON CONFLICT (dossier_id) DO UPDATE SET sequence = excluded.sequence"
            " WHERE held.sequence < excluded.sequence OR (excluded.sequence = 0 AND held.sequence = 0)"
            " RETURNING true",
            dossier_id,
            sequence,
        )
        return bool(taken)

    async def plan(self, event_id: UUID, event: DossierStatusChanged, deliveries: Sequence[PlannedDelivery]) -> int:
        source = DeliverySource(event.dossier_id, event.dossier_code, event.status.value, event.applicant.language)
        return await self._insert(event_id, source, event.model_dump_json(), deliveries)

    async def plan_for_clerks(
        self, event_id: UUID, event: TaskDeadlineReached | TaskEscalated, deliveries: Sequence[PlannedDelivery]
    ) -> int:
        source = DeliverySource(event.dossier_id, event.dossier_code, None, "vi")
        return await self._insert(event_id, source, event.model_dump_json(), deliveries)

    async def _insert(
        self, event_id: UUID, source: DeliverySource, event_json: str, deliveries: Sequence[PlannedDelivery]
    ) -> int:
        """Each row keeps the current trace context, so its sends continue the dossier's trace."""
        trace_carrier: dict[str, str] = {}
        propagate.inject(trace_carrier)
        added = 0
        for delivery in deliveries:
            inserted = await self.connection.fetchval(
                "INSERT INTO deliveries (event_id, channel, dossier_id, dossier_code, status, language, recipient,"
                " subject, message, record, event, trace_carrier, fallback_of, clerk_id)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
                " ON CONFLICT (event_id, channel, clerk_id) DO NOTHING RETURNING true",
                event_id,
                delivery.channel,
                source.dossier_id,
                source.dossier_code,
                source.status,
                delivery.language or source.language,
                delivery.recipient,
                delivery.subject,
                delivery.message,
                None if delivery.record is None else json.dumps(delivery.record),
                event_json,
                json.dumps(trace_carrier),
                delivery.fallback_of,
                delivery.clerk_id,
            )
            added += bool(inserted)
        if added:
            await self._wake_workers()
        return added

    async def claim_due(self, *, batch: int, lease_seconds: float) -> list[DeliveryRow]:
        """A claimed row is ``sending`` with ``next_attempt_at`` at the end of its lease: if its sender
        dies, the row is due again then. ``SKIP LOCKED`` lets several workers share the table."""
        now = datetime.now(UTC)
        return await DUE_DELIVERIES.claim(self.connection, now=now, lease=timedelta(seconds=lease_seconds), batch=batch)

    async def delivered(self, delivery_id: int, attempt: int, provider_ref: str | None) -> bool:
        return await self._finish_try(
            "state = 'delivered', provider_ref = $3, last_error = NULL, finished_at = now()",
            delivery_id,
            attempt,
            provider_ref,
        )

    async def retry_later(self, delivery_id: int, attempt: int, delay_seconds: float, error: str) -> bool:
        return await self._finish_try(
            "state = 'pending', next_attempt_at = now() + make_interval(secs => $3), last_error = $4",
            delivery_id,
            attempt,
            delay_seconds,
            error,
        )

    async def dead_letter(self, delivery_id: int, attempt: int, error: str) -> bool:
        return await self._finish_try(
            "state = 'dead-lettered', last_error = $3, finished_at = now()", delivery_id, attempt, error
        )

    async def _finish_try(self, changes: str, delivery_id: int, attempt: int, *values: object) -> bool:
        """Apply ``changes`` to the claimed try ``attempt``, unless its lease passed to another worker."""
        result = await self.connection.execute(
            f"UPDATE deliveries SET {changes} WHERE id = $1 AND attempts = $2 AND state = 'sending'",
            delivery_id,
            attempt,
            *values,
        )
        return str(result) == "UPDATE 1"

    async def requeue(self, delivery_id: int) -> DeliveryRow | None:
        row: DeliveryRow | None = await self.connection.fetchrow(
            "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = now(), finished_at = NULL"
            f" WHERE id = $1 AND state = 'dead-lettered' RETURNING {COLUMNS}",
            delivery_id,
        )
        if row is not None:
            await self._wake_workers()
        return row

    async def state_of(self, delivery_id: int) -> str | None:
        state: str | None = await self.connection.fetchval("SELECT state FROM deliveries WHERE id = $1", delivery_id)
        return state

    async def record_retry(self, delivery: DeliveryRow, *, by: str, reason: str, at: datetime) -> DeliveryRow:
        row: DeliveryRow | None = await self.connection.fetchrow(
            "INSERT INTO delivery_retries (delivery_id, dossier_code, channel, error_before, retried_by, reason,"
            " retried_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " RETURNING delivery_id, dossier_code, channel, error_before, retried_by, reason, retried_at",
            delivery["id"],
            delivery["dossier_code"],
            delivery["channel"],
            delivery["last_error"],
            by,
            reason,
            at,
        )
        assert row is not None
        return row

    async def _wake_workers(self) -> None:
        await self.connection.execute("SELECT pg_notify($1, '')", WAKE_CHANNEL)
