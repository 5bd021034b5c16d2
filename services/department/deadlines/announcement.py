"""A deadline mark on the unit's change feed: its task's claimant and the unit's supervisors watch it.

The mark is written to the task's history in the transaction that records it, so the feed
(``GET /v1/units/{unit}/events``, announced on commit) shows each mark once, as
``deadline-warning`` or ``overdue``; the task itself does not change.
"""

from datetime import datetime

import asyncpg

from services.department.adapters.postgres_store import PostgresDepartmentStore
from services.department.deadlines.marks import Mark
from services.department.store import Change
from shared.contracts import DeadlineKind

DEADLINES = "deadlines"
"""The actor named in the history for a mark."""
ACTIONS = {DeadlineKind.WARNING: "deadline-warning", DeadlineKind.OVERDUE: "overdue"}


async def announce_mark(connection: asyncpg.Connection, task: asyncpg.Record, mark: Mark, now: datetime) -> None:
    """Add ``mark`` to the history of ``task`` (a row with id, unit and dossier code, status, version, due time)."""
    detail = {"reached_at": mark.at.isoformat(), "due_at": task["due_at"].isoformat()}
    await announce(connection, task, ACTIONS[mark.kind], DEADLINES, detail, now)


async def announce(
    connection: asyncpg.Connection,
    task: asyncpg.Record,
    action: str,
    actor: str,
    detail: dict[str, object],
    now: datetime,
) -> None:
    """Add ``action`` by ``actor`` (not a clerk) to the history of ``task``, which itself does not change."""
    change = Change(
        task_id=task["task_id"],
        unit_code=task["unit_code"],
        dossier_code=task["dossier_code"],
        action=action,
        actor=actor,
        by_clerk=False,
        status_before=task["status"],
        status_after=task["status"],
        version=task["version"],
        at=now,
        detail=dict(detail),
    )
    await PostgresDepartmentStore(connection).record_change(change)
