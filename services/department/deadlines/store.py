"""SQL of the deadline clocks and marks (tables of migration 0004)."""

from datetime import datetime
from uuid import UUID

import asyncpg

from services.department.deadlines.marks import Mark
from shared.contracts import DeadlineKind


async def clocks_to_review(connection: asyncpg.Connection, now: datetime, batch: int) -> list[asyncpg.Record]:
    """Lock up to ``batch`` clocks that are stale or whose next mark has come, with their task.

    ``SKIP LOCKED``: another instance reviewing some clocks leaves them to it and takes
    the others, and a clerk's transaction changing a task (which touches its clock)
    is never waited for.
    """
    return list(
        await connection.fetch(
            "SELECT c.task_id, c.assigned_due_at, t.dossier_id, t.dossier_code, t.unit_code, t.status,"
            " t.assigned_at, t.due_at, t.completed_at, t.version, t.claimed_by, t.claim_expires_at,"
            " ARRAY(SELECT m.kind FROM deadline_marks m WHERE m.task_id = c.task_id) AS sent"
            " FROM deadline_clocks c JOIN tasks t ON t.id = c.task_id"
            " WHERE (c.stale OR c.next_mark_at <= $1) AND t.due_at IS NOT NULL"
            " ORDER BY c.next_mark_at NULLS FIRST LIMIT $2"
            " FOR UPDATE OF c SKIP LOCKED",
            now,
            batch,
        )
    )


async def record_mark(connection: asyncpg.Connection, task_id: UUID, mark: Mark, due_at: datetime) -> bool:
    """Note that ``mark`` is sent for the task; False when it was already."""
    inserted = await connection.fetchval(
        "INSERT INTO deadline_marks (task_id, kind, reached_at, due_at) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (task_id, kind) DO NOTHING RETURNING true",
        task_id,
        mark.kind.value,
        mark.at,
        due_at,
    )
    return bool(inserted)


async def reviewed(connection: asyncpg.Connection, task_id: UUID, next_mark_at: datetime | None) -> None:
    await connection.execute(
        "UPDATE deadline_clocks SET stale = false, next_mark_at = $2 WHERE task_id = $1", task_id, next_mark_at
    )


def sent_kinds(row: asyncpg.Record) -> frozenset[DeadlineKind]:
    return frozenset(DeadlineKind(kind) for kind in row["sent"])
