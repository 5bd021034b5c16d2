"""Reads of the deliveries table for the HTTP API and the metrics (the use cases write through the store)."""

import asyncpg

COLUMNS = (
    "id, event_id, channel, dossier_code, status, language, recipient, subject, message, record, event,"
    " trace_carrier, fallback_of, clerk_id, state, attempts, next_attempt_at, last_error, provider_ref, created_at,"
    " finished_at"
)


async def for_dossier(connection: asyncpg.Connection, code: str, *, portal: bool) -> list[asyncpg.Record]:
    """The dossier's messages to the applicant (or its portal records), oldest first; not those to clerks."""
    return list(
        await connection.fetch(
            f"SELECT {COLUMNS} FROM deliveries WHERE dossier_code = $1 AND (channel = 'portal') = $2"
            " AND clerk_id IS NULL ORDER BY id",
            code,
            portal,
        )
    )


async def newest(
    connection: asyncpg.Connection, *, dossier: str | None, state: str | None, limit: int
) -> list[asyncpg.Record]:
    """Deliveries newest first, of one dossier and/or in one state when given."""
    return list(
        await connection.fetch(
            f"SELECT {COLUMNS} FROM deliveries WHERE ($1::text IS NULL OR dossier_code = $1)"
            " AND ($2::text IS NULL OR state = $2) ORDER BY id DESC LIMIT $3",
            dossier,
            state,
            limit,
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
