"""How far an outbox relay is behind: rows waiting, and how long the oldest has waited."""

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
