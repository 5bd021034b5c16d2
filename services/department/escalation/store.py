"""SQL of the escalation clocks and steps (tables of migration 0011)."""

from datetime import datetime
from uuid import UUID

import asyncpg


async def clocks_due(connection: asyncpg.Connection, now: datetime, batch: int) -> list[asyncpg.Record]:
    """Lock up to ``batch`` clocks whose next look has come, with their task.

    ``SKIP LOCKED``: another instance looking at some clocks leaves them to it and takes the others.
    """
    return list(
        await connection.fetch(
            "SELECT e.task_id, e.overdue_at, e.next_step, t.dossier_id, t.dossier_code, t.unit_code, t.status,"
            " t.version, t.due_at, t.completed_at, t.claimed_by, t.claim_expires_at"
            " FROM escalation_clocks e JOIN tasks t ON t.id = e.task_id"
            " WHERE e.next_at <= $1 ORDER BY e.next_at LIMIT $2 FOR UPDATE OF e SKIP LOCKED",
            now,
            batch,
        )
    )


async def record_step(
    connection: asyncpg.Connection,
    task_id: UUID,
    *,
    step: int,
    audience: str,
    ladder_version: str,
    due_at: datetime,
    falls_at: datetime,
    now: datetime,
) -> bool:
    """Note that the task took ``step``; False when it had already."""
    inserted = await connection.fetchval(
        "INSERT INTO task_escalations (task_id, step, audience, ladder_version, due_at, falls_at, escalated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (task_id, step) DO NOTHING RETURNING true",
        task_id,
        step,
        audience,
        ladder_version,
        due_at,
        falls_at,
        now,
    )
    return bool(inserted)


async def looked(connection: asyncpg.Connection, task_id: UUID, next_step: int, next_at: datetime | None) -> None:
    await connection.execute(
        "UPDATE escalation_clocks SET next_step = $2, next_at = $3 WHERE task_id = $1", task_id, next_step, next_at
    )
