"""Reads of overdue tasks: the supervisors' lists (per unit, per province) and what the apology draft needs."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from services.department.adapters.repository import TASK_COLUMNS

PROVINCE_OF_CODE = "split_part(split_part(dossier_code, '-', 1), '.H', 2)"
"""A dossier's province: the two digits after ``H`` in its code (``000.01.15.H40-261202-0001`` → ``40``)."""


@dataclass(frozen=True)
class OverdueFilter:
    """Which overdue tasks a list shows: open, past ``due_before``, of a unit and/or province, of some procedures."""

    due_before: datetime
    unit: str | None = None
    province: str | None = None
    procedure_codes: Sequence[str] | None = None


@dataclass(frozen=True)
class OverduePosition:
    """Where a page ended: most overdue first (due time, then id)."""

    due_at: datetime
    task_id: UUID


async def overdue_page(
    connection: asyncpg.Connection, where: OverdueFilter, after: OverduePosition | None, limit: int
) -> list[asyncpg.Record]:
    """A page of open tasks past due, most overdue first, with the last escalation step each took."""
    return list(
        await connection.fetch(
            f"SELECT {TASK_COLUMNS},"
            " (SELECT max(e.step) FROM task_escalations e WHERE e.task_id = tasks.id) AS escalation_step,"
            " EXISTS (SELECT 1 FROM task_extensions x WHERE x.task_id = tasks.id) AS extended"
            " FROM tasks WHERE completed_at IS NULL AND status = 'open' AND due_at IS NOT NULL AND due_at < $1"
            " AND ($2::text IS NULL OR unit_code = $2)"
            f" AND ($3::text IS NULL OR {PROVINCE_OF_CODE} = $3)"
            " AND ($4::text[] IS NULL OR procedure_code = ANY($4))"
            " AND ($5::timestamptz IS NULL OR (due_at, id) > ($5, $6))"
            " ORDER BY due_at, id LIMIT $7",
            where.due_before,
            where.unit,
            where.province,
            where.procedure_codes,
            after.due_at if after else None,
            after.task_id if after else None,
            limit,
        )
    )


async def was_extended(connection: asyncpg.Connection, task_id: UUID) -> bool:
    """Whether the task was ever extended (its apology letter went with the extension)."""
    return bool(await connection.fetchval("SELECT EXISTS (SELECT 1 FROM task_extensions WHERE task_id = $1)", task_id))
