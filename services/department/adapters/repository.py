"""The clerk API's reads of the tasks table: a unit's inbox, one task."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

TASK_COLUMNS = (
    "id, dossier_id, dossier_code, unit_code, procedure_code, task_key, stage, status, version, reason, missing,"
    " completed_by, assigned_at, due_at, completed_at, claimed_by, claimed_at, claim_expires_at, supplement_requests,"
    " final_stage, identity_status, identity_decision, identity_version"
)
OPEN_STATUSES = ("open", "waiting")


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
    """The task, or None if no task has this id."""
    return await connection.fetchrow(f"SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1", task_id)
