"""SQL of the notification schema: the deliveries table, planned, claimed, finished and read."""

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
from opentelemetry import propagate

from shared.contracts import DossierStatusChanged

WAKE_CHANNEL = "lienthong_deliveries"

COLUMNS = (
    "id, event_id, channel, dossier_code, status, language, recipient, subject, message, record, event,"
    " trace_carrier, fallback_of, state, attempts, next_attempt_at, last_error, provider_ref, created_at, finished_at"
)


@dataclass(frozen=True)
class PlannedDelivery:
    channel: str
    recipient: str
    message: str
    subject: str | None = None
    record: dict[str, Any] | None = None
    fallback_of: int | None = None


async def plan(
    connection: asyncpg.Connection, event_id: UUID, event: DossierStatusChanged, deliveries: list[PlannedDelivery]
) -> int:
    """Insert the deliveries of one event (once per channel); returns how many are new.

    Each row keeps the current trace context, so its sends continue the dossier's trace.
    """
    trace_carrier: dict[str, str] = {}
    propagate.inject(trace_carrier)
    added = 0
    for delivery in deliveries:
        inserted = await connection.fetchval(
            "INSERT INTO deliveries (event_id, channel, dossier_id, dossier_code, status, language, recipient,"
            " subject, message, record, event, trace_carrier, fallback_of)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
            " ON CONFLICT (event_id, channel) DO NOTHING RETURNING true",
            event_id,
            delivery.channel,
            event.dossier_id,
            event.dossier_code,
            event.status.value,
            event.applicant.language,
            delivery.recipient,
            delivery.subject,
            delivery.message,
            None if delivery.record is None else json.dumps(delivery.record),
            event.model_dump_json(),
            json.dumps(trace_carrier),
            delivery.fallback_of,
        )
        added += bool(inserted)
    if added:
        await connection.execute("SELECT pg_notify($1, '')", WAKE_CHANNEL)
    return added


async def claim(connection: asyncpg.Connection, *, batch: int, lease_seconds: float) -> list[asyncpg.Record]:
    """Take up to ``batch`` due deliveries for sending, each the oldest open one of its dossier and channel.

    A claimed row is ``sending`` with ``next_attempt_at`` at the end of its lease: if its sender
    dies, the row is due again then. ``SKIP LOCKED`` lets several workers share the table.
    """
    return list(
        await connection.fetch(
            "WITH due AS ("
            " SELECT d.id FROM deliveries d"
            " WHERE d.state IN ('pending', 'sending') AND d.next_attempt_at <= now()"
            " AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.dossier_id = d.dossier_id"
            " AND e.channel = d.channel AND e.id < d.id AND e.state IN ('pending', 'sending'))"
            " ORDER BY d.next_attempt_at, d.id LIMIT $1 FOR UPDATE SKIP LOCKED)"
            " UPDATE deliveries d SET state = 'sending', attempts = d.attempts + 1,"
            " next_attempt_at = now() + make_interval(secs => $2)"
            " FROM due WHERE d.id = due.id RETURNING d.*",
            batch,
            lease_seconds,
        )
    )


async def delivered(connection: asyncpg.Connection, delivery_id: int, attempt: int, provider_ref: str | None) -> bool:
    """Mark the claimed try ``attempt`` delivered; False if the lease was lost to another worker."""
    result = await connection.execute(
        "UPDATE deliveries SET state = 'delivered', provider_ref = $3, last_error = NULL, finished_at = now()"
        " WHERE id = $1 AND attempts = $2 AND state = 'sending'",
        delivery_id,
        attempt,
        provider_ref,
    )
    return str(result) == "UPDATE 1"


async def retry_later(
    connection: asyncpg.Connection, delivery_id: int, attempt: int, delay_seconds: float, error: str
) -> bool:
    result = await connection.execute(
        "UPDATE deliveries SET state = 'pending', next_attempt_at = now() + make_interval(secs => $3),"
        " last_error = $4 WHERE id = $1 AND attempts = $2 AND state = 'sending'",
        delivery_id,
        attempt,
        delay_seconds,
        error,
    )
    return str(result) == "UPDATE 1"


async def dead_letter(connection: asyncpg.Connection, delivery_id: int, attempt: int, error: str) -> bool:
    result = await connection.execute(
        "UPDATE deliveries SET state = 'dead-lettered', last_error = $3, finished_at = now()"
        " WHERE id = $1 AND attempts = $2 AND state = 'sending'",
        delivery_id,
        attempt,
        error,
    )
    return str(result) == "UPDATE 1"


async def requeue(connection: asyncpg.Connection, delivery_id: int) -> asyncpg.Record | None:
    """Put a dead-lettered delivery back in line (an operator's replay); None if it is not dead-lettered."""
    return await connection.fetchrow(
        "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = now(), finished_at = NULL"
        f" WHERE id = $1 AND state = 'dead-lettered' RETURNING {COLUMNS}",
        delivery_id,
    )


async def for_dossier(connection: asyncpg.Connection, code: str, *, portal: bool) -> list[asyncpg.Record]:
    """The dossier's messages to the applicant (or its portal records), oldest first."""
    return list(
        await connection.fetch(
            f"SELECT {COLUMNS} FROM deliveries WHERE dossier_code = $1 AND (channel = 'portal') = $2 ORDER BY id",
            code,
            portal,
        )
    )


async def dead_lettered(connection: asyncpg.Connection, *, limit: int) -> list[asyncpg.Record]:
    """Deliveries that failed for good, newest first."""
    return list(
        await connection.fetch(
            f"SELECT {COLUMNS} FROM deliveries WHERE state = 'dead-lettered' ORDER BY finished_at DESC, id DESC"
            " LIMIT $1",
            limit,
        )
    )


async def counts(connection: asyncpg.Connection) -> list[asyncpg.Record]:
    """Deliveries per channel that wait, are being sent or were dead-lettered, for the metrics."""
    return list(
        await connection.fetch(
            "SELECT channel, state, count(*) AS n FROM deliveries"
            " WHERE state IN ('pending', 'sending', 'dead-lettered') GROUP BY 1, 2"
        )
    )
