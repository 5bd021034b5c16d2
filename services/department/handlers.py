"""Department's use cases: queue assigned tasks, let clerks finish them."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from services.department.adapters import repository
from services.department.domain.task import complete
from shared import outbox
from shared.contracts import TaskAssigned, TaskCompleted, TaskOutcome


class TaskNotFoundError(LookupError):
    """No task has this id."""


@dataclass(frozen=True)
class CompleteTask:
    """Command: a clerk approves or refuses a task."""

    task_id: UUID
    outcome: TaskOutcome
    reason: str | None
    clerk_id: str


async def queue_task(connection: asyncpg.Connection, event: TaskAssigned) -> None:
    await repository.add_task(connection, event)


async def complete_task(
    connection: asyncpg.Connection, command: CompleteTask, *, now: datetime, prefix: str
) -> asyncpg.Record:
    """Finish the task and announce it; raises ``TaskActionError`` or :class:`TaskNotFoundError`."""
    task = await repository.lock_task(connection, command.task_id)
    if task is None:
        raise TaskNotFoundError(f"no task has id {command.task_id}")
    completion = complete(task["status"], command.outcome, command.reason)
    updated = await repository.finish_task(
        connection, command.task_id, completion.outcome.value, completion.reason, command.clerk_id, now
    )
    event = TaskCompleted(
        dossier_id=task["dossier_id"],
        dossier_code=task["dossier_code"],
        task_id=command.task_id,
        unit_code=task["unit_code"],
        outcome=completion.outcome,
        reason=completion.reason,
        completed_by=command.clerk_id,
        completed_at=now,
    )
    await outbox.enqueue(connection, event, source="department", prefix=prefix)
    return updated
