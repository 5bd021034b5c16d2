"""SQL of the department schema."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from shared.contracts import TaskAssigned

TASK_COLUMNS = (
    "id, dossier_id, dossier_code, unit_code, procedure_code, task_key, stage, status, version, reason, missing,"
    " completed_by, assigned_at, due_at, completed_at, claimed_by, claimed_at, supplement_requests"
)
OPEN_STATUSES = ("open", "waiting")


async def add_task(connection: asyncpg.Connection, event: TaskAssigned) -> asyncpg.Record | None:
    """The new task, or None when it was queued before."""
    return await connection.fetchrow(
        "INSERT INTO tasks (id, dossier_id, dossier_code, unit_code, procedure_code, task_key, stage, assigned_at,"
        " due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING"
        f" RETURNING {TASK_COLUMNS}",
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


@dataclass(frozen=True)
class InboxFilter:
    """Which of a unit's tasks the inbox shows; None means no condition."""

    statuses: Sequence[str] | None = None
    procedure_codes: Sequence[str] | None = None
    dossier_code: str | None = None
    due_before: datetime | None = None
    overdue: bool | None = None
    """True: only tasks still open or waiting whose due time has passed at ``now``; False: all others."""
    now: datetime | None = None


@dataclass(frozen=True)
class InboxPosition:
    """Where a page ended, in the inbox's order: due time (None sorts last), assignment time, id."""

    due_at: datetime | None
    assigned_at: datetime
    task_id: UUID


async def inbox(
    connection: asyncpg.Connection, unit: str, where: InboxFilter, after: InboxPosition | None, limit: int
) -> list[asyncpg.Record]:
    """A page of the unit's tasks, soonest due first (then oldest assigned), after ``after``."""
    return list(
        await connection.fetch(
            f"SELECT {TASK_COLUMNS} FROM tasks WHERE unit_code = $1"
            " AND ($2::text[] IS NULL OR status = ANY($2))"
            " AND ($3::text[] IS NULL OR procedure_code = ANY($3))"
            " AND ($4::text IS NULL OR dossier_code = $4)"
            " AND ($5::timestamptz IS NULL OR due_at < $5)"
            " AND ($6::boolean IS NULL OR COALESCE(due_at < $12 AND status = ANY($7), false) = $6)"
            " AND ($8::timestamptz IS NULL OR (COALESCE(due_at, 'infinity'::timestamptz), assigned_at, id)"
            " > (COALESCE($9::timestamptz, 'infinity'::timestamptz), $8, $10))"
            " ORDER BY COALESCE(due_at, 'infinity'::timestamptz), assigned_at, id LIMIT $11",
            unit,
            where.statuses,
            where.procedure_codes,
            where.dossier_code,
            where.due_before,
            where.overdue,
            list(OPEN_STATUSES),
            after.assigned_at if after else None,
            after.due_at if after else None,
            after.task_id if after else None,
            limit,
            where.now,
        )
    )


async def task(connection: asyncpg.Connection, task_id: UUID) -> asyncpg.Record | None:
    return await connection.fetchrow(f"SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1", task_id)


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
        "UPDATE tasks SET status = 'waiting', missing = $2, supplement_requests = supplement_requests + 1,"
        " version = version + 1 WHERE id = $1"
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


async def set_claim(
    connection: asyncpg.Connection, task_id: UUID, clerk: str | None, at: datetime | None
) -> asyncpg.Record:
    """Give the task to ``clerk`` (None: release it)."""
    row = await connection.fetchrow(
        "UPDATE tasks SET claimed_by = $2, claimed_at = $3, version = version + 1 WHERE id = $1"
        f" RETURNING {TASK_COLUMNS}",
        task_id,
        clerk,
        at,
    )
    assert row is not None
    return row


async def reopen_task(connection: asyncpg.Connection, task_id: UUID, due_at: datetime) -> asyncpg.Record:
    row = await connection.fetchrow(
        f"UPDATE tasks SET status = 'open', due_at = $2, version = version + 1 WHERE id = $1 RETURNING {TASK_COLUMNS}",
        task_id,
        due_at,
    )
    assert row is not None
    return row
