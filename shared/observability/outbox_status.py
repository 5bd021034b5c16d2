"""A service's outbox as operators see it: how far its relay is behind, and what it published about a dossier."""

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class OutboxBacklog:
    """The unpublished rows of one service's outbox."""

    schema: str
    waiting: int
    oldest_age_seconds: float
    last_published_at: datetime | None


async def outbox_backlog(connection: asyncpg.Connection, schema: str) -> OutboxBacklog:
    """Read the backlog of the outbox in ``schema``; both queries use the outbox's indexes."""
    waiting = await connection.fetchrow(
        "SELECT count(*) AS waiting, coalesce(extract(epoch FROM now() - min(created_at)), 0) AS oldest_age"
        f' FROM "{schema}".outbox WHERE published_at IS NULL'
    )
    assert waiting is not None
    # The relay publishes in id order, so the newest published row is the last one by id.
    last = await connection.fetchval(
        f'SELECT published_at FROM "{schema}".outbox WHERE published_at IS NOT NULL ORDER BY id DESC LIMIT 1'
    )
    return OutboxBacklog(schema, int(waiting["waiting"]), float(waiting["oldest_age"]), last)


async def dossier_events(connection: asyncpg.Connection, schema: str, code: str) -> list[asyncpg.Record]:
    """The events the outbox in ``schema`` holds about the dossier ``code`` (its ``ce_subject``), oldest first."""
    return list(
        await connection.fetch(
            "SELECT event_id, headers->>'ce_type' AS type, topic, key, created_at, published_at,"
            " trace_carrier->>'traceparent' AS traceparent"
            f" FROM \"{schema}\".outbox WHERE headers->>'ce_subject' = $1 ORDER BY id",
            code,
        )
    )
