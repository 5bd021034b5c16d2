"""The idempotent consumer: remember each processed event in the effect's transaction."""

from uuid import UUID

import asyncpg


async def first_delivery(connection: asyncpg.Connection, consumer: str, event_id: UUID) -> bool:
    """Record the event for ``consumer``; False if it was already processed.

    Call inside the transaction that applies the event's effect, so the record and
    the effect commit or roll back together.
    """
    inserted = await connection.fetchval(
        "INSERT INTO inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true",
        consumer,
        event_id,
    )
    return bool(inserted)
