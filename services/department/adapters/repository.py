"""SQL of the department schema."""

from datetime import datetime
from uuid import UUID

import asyncpg

from shared.contracts import TaskAssigned

TASK_COLUMNS = (
    "id, dossier_id, dossier_code, unit_code, procedure_code, status, version, reason, completed_by,"
    " assigned_at, completed_at"
)


async def add_task(connection: asyncpg.Connection, event: TaskAssigned) -> None:
    await connection.execute(
        "INSERT INTO tasks (id, dossier_id, dossier_code, unit_code, procedure_code, assigned_at)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
        event.task_id,
        event.dossier_id,
        event.dossier_code,
        event.unit_code,
        event.procedure_code,
        event.assigned_at,
    )


async def unit_tasks(connection: asyncpg.Connection, unit: str, status: str | None) -> list[asyncpg.Record]:
    return list(
        await connection.fetch(
            f"SELECT {TASK_COLUMNS} FROM tasks WHERE unit_code = $1 AND ($2::text IS NULL OR status = $2)"
            " ORDER BY assigned_at, id",
            unit,
            status,
        )
    )


async def lock_task(connection: asyncpg.Connection, task_id: UUID) -> asyncpg.Record | None:
    return await connection.fetchrow(f"SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1 FOR UPDATE", task_id)


async def finish_task(
    connection: asyncpg.Connection, task_id: UUID, status: str, reason: str | None, clerk: str, at: datetime
) -> asyncpg.Record:
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
