"""SQL of the department schema."""

from datetime import datetime
from uuid import UUID

import asyncpg

from shared.contracts import TaskAssigned

TASK_COLUMNS = (
    "id, dossier_id, dossier_code, unit_code, procedure_code, task_key, stage, status, version, reason, missing,"
    " completed_by, assigned_at, due_at, completed_at"
)


async def lock_task_id(connection: asyncpg.Connection, task_id: UUID) -> None:
    """Serialise everything done to ``task_id`` in this transaction, even before its row exists."""
    await connection.execute("SELECT pg_advisory_xact_lock(hashtextextended($1::uuid::text, 0))", task_id)


async def add_task(connection: asyncpg.Connection, event: TaskAssigned) -> None:
    await connection.execute(
        "INSERT INTO tasks (id, dossier_id, dossier_code, unit_code, procedure_code, task_key, stage, assigned_at,"
        " due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
        event.task_id,
        event.dossier_id,
        event.dossier_code,
        event.unit_code,
        event.procedure_code,
        event.task_key,
        event.stage,
        event.assigned_at,
        event.due_at,
    )


async def unit_tasks(connection: asyncpg.Connection, unit: str, status: str | None) -> list[asyncpg.Record]:
    return list(
        await connection.fetch(
            f"SELECT {TASK_COLUMNS} FROM tasks WHERE unit_code = $1 AND ($2::text IS NULL OR status = $2)"
            " ORDER BY due_at NULLS LAST, assigned_at, id",
            unit,
            status,
        )
    )


async def lock_task(connection: asyncpg.Connection, task_id: UUID) -> asyncpg.Record | None:
    return await connection.fetchrow(f"SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1 FOR UPDATE", task_id)


async def finish_task(
    connection: asyncpg.Connection, task_id: UUID, status: str, reason: str | None, clerk: str | None, at: datetime
) -> asyncpg.Record:
    """Close the task as ``status`` (approved, refused, returned, cancelled)."""
    row = await connection.fetchrow(
        "UPDATE tasks SET status = $2, reason = $3, completed_by = $4, completed_at = $5, version = version + 1"
        f" WHERE id = $1 RETURNING {TASK_COLUMNS}",
        task_id,
        status,
        reason,
        clerk,
        at,
    )
    assert row is not None
    return row


async def wait_for_supplements(
    connection: asyncpg.Connection, task_id: UUID, missing: tuple[str, ...]
) -> asyncpg.Record:
    row = await connection.fetchrow(
        "UPDATE tasks SET status = 'waiting', missing = $2, version = version + 1 WHERE id = $1"
        f" RETURNING {TASK_COLUMNS}",
        task_id,
        list(missing),
    )
    assert row is not None
    return row


async def set_due(connection: asyncpg.Connection, task_id: UUID, due_at: datetime) -> asyncpg.Record:
    row = await connection.fetchrow(
        f"UPDATE tasks SET due_at = $2, version = version + 1 WHERE id = $1 RETURNING {TASK_COLUMNS}", task_id, due_at
    )
    assert row is not None
    return row


async def reopen_task(connection: asyncpg.Connection, task_id: UUID, due_at: datetime) -> None:
    await connection.execute(
        "UPDATE tasks SET status = 'open', due_at = $2, version = version + 1 WHERE id = $1", task_id, due_at
    )


async def remember_cancellation(connection: asyncpg.Connection, task_id: UUID, reason: str, at: datetime) -> None:
    await connection.execute(
        "INSERT INTO early_cancellations (task_id, reason, cancelled_at) VALUES ($1, $2, $3)"
        " ON CONFLICT (task_id) DO NOTHING",
        task_id,
        reason,
        at,
    )


async def take_early_cancellation(connection: asyncpg.Connection, task_id: UUID) -> asyncpg.Record | None:
    """The cancellation that came before the task, removed from the waiting list; None if there was none."""
    return await connection.fetchrow(
        "DELETE FROM early_cancellations WHERE task_id = $1 RETURNING reason, cancelled_at", task_id
    )
