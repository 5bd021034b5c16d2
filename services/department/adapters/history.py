"""Reads of the task history: every change of every task, the audit log and the change feed's source."""

import json
from typing import Any
from uuid import UUID

import asyncpg

HISTORY_COLUMNS = (
    "id, task_id, unit_code, dossier_code, action, actor, by_clerk, status_before, status_after, version, detail,"
    " trace_id, at"
)


def entry_of(row: asyncpg.Record) -> dict[str, Any]:
    """A history row with its ``detail`` decoded, as the use cases and the API show it."""
    return {**dict(row), "detail": json.loads(row["detail"])}


async def of_task(connection: asyncpg.Connection, task_id: UUID) -> list[asyncpg.Record]:
    """The task's whole history, oldest first."""
    return list(
        await connection.fetch(f"SELECT {HISTORY_COLUMNS} FROM task_history WHERE task_id = $1 ORDER BY id", task_id)
    )


async def audit(
    connection: asyncpg.Connection,
    unit: str,
    *,
    before_id: int | None,
    limit: int,
    task_id: UUID | None = None,
    actor: str | None = None,
) -> list[asyncpg.Record]:
    """Clerks' actions in ``unit``, newest first, older than ``before_id``."""
    return list(
        await connection.fetch(
            f"SELECT {HISTORY_COLUMNS} FROM task_history WHERE unit_code = $1 AND by_clerk"
            " AND ($2::bigint IS NULL OR id < $2) AND ($3::uuid IS NULL OR task_id = $3)"
            " AND ($4::text IS NULL OR actor = $4) ORDER BY id DESC LIMIT $5",
            unit,
            before_id,
            task_id,
            actor,
            limit,
        )
    )


async def changes_since(connection: asyncpg.Connection, unit: str, after_id: int, limit: int) -> list[asyncpg.Record]:
    """Changes in ``unit`` after ``after_id``, oldest first: what a reconnecting feed missed."""
    return list(
        await connection.fetch(
            f"SELECT {HISTORY_COLUMNS} FROM task_history WHERE unit_code = $1 AND id > $2 ORDER BY id LIMIT $3",
            unit,
            after_id,
            limit,
        )
    )
