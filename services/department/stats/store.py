"""SQL of the public board: a unit's completions over a period, and the extensions record."""

from datetime import datetime

import asyncpg

from shared.contracts import TaskExtended, TaskOutcome

COMPLETED = [outcome.value for outcome in TaskOutcome]


async def completions(
    connection: asyncpg.Connection, unit: str, start: datetime, end: datetime
) -> list[asyncpg.Record]:
    """The unit's decided tasks with a due time, finished in ``[start, end)``, and whether they were extended."""
    return list(
        await connection.fetch(
            "SELECT t.procedure_code, t.due_at, t.completed_at,"
            " EXISTS (SELECT 1 FROM task_extensions e WHERE e.task_id = t.id) AS extended"
            " FROM tasks t"
            " WHERE t.unit_code = $1 AND t.completed_at >= $2 AND t.completed_at < $3"
            " AND t.status = ANY($4::text[]) AND t.due_at IS NOT NULL",
            unit,
            start,
            end,
            COMPLETED,
        )
    )


async def recent_completions(connection: asyncpg.Connection, since: datetime) -> list[asyncpg.Record]:
    """Every unit's decided tasks with a due time finished since ``since``, and whether they were extended."""
    return list(
        await connection.fetch(
            "SELECT t.unit_code, t.due_at, t.completed_at,"
            " EXISTS (SELECT 1 FROM task_extensions e WHERE e.task_id = t.id) AS extended"
            " FROM tasks t WHERE t.completed_at >= $1 AND t.status = ANY($2::text[]) AND t.due_at IS NOT NULL",
            since,
            COMPLETED,
        )
    )


async def record_extension(connection: asyncpg.Connection, event: TaskExtended) -> None:
    await connection.execute(
        "INSERT INTO task_extensions (task_id, previous_due_at, new_due_at, extended_at) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (task_id, new_due_at) DO NOTHING",
        event.task_id,
        event.previous_due_at,
        event.new_due_at,
        event.extended_at,
    )
