"""SQL of the public board: a unit's completions over a period and whether each was extended; results returned."""

from datetime import datetime

import asyncpg

from shared.contracts import TaskOutcome

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


async def due_date_moves(
    connection: asyncpg.Connection, unit: str, start: datetime, end: datetime
) -> list[asyncpg.Record]:
    """Why routing moved the due times of the unit's tasks (a closure's decision, a calendar change): each
    reason with how many tasks it moved, for moves in ``[start, end)`` or of tasks completed then."""
    return list(
        await connection.fetch(
            "SELECT h.detail->>'reason' AS reason, count(DISTINCT h.task_id) AS tasks, min(h.at) AS first_moved_at"
            " FROM task_history h WHERE h.unit_code = $1 AND h.action = 'due-changed'"
            " AND ((h.at >= $2 AND h.at < $3) OR EXISTS (SELECT 1 FROM tasks t WHERE t.id = h.task_id"
            " AND t.completed_at >= $2 AND t.completed_at < $3))"
            " GROUP BY 1 ORDER BY min(h.at), 1",
            unit,
            start,
            end,
        )
    )


async def returns(
    connection: asyncpg.Connection,
    start: datetime,
    end: datetime,
    *,
    unit: str | None = None,
    province: str | None = None,
) -> list[asyncpg.Record]:
    """The results returned in ``[start, end)`` that ``unit`` issued, or of ``province``'s dossiers: each issuing
    unit, appointment and return time."""
    return list(
        await connection.fetch(
            "SELECT unit_code, due_at, returned_at FROM results_returned WHERE returned_at >= $1 AND returned_at < $2"
            " AND ($3::text IS NULL OR unit_code = $3) AND ($4::text IS NULL OR province_code = $4)",
            start,
            end,
            unit,
            province,
        )
    )
