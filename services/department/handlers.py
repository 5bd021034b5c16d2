"""Department's use cases: queue assigned tasks, let clerks act on them, follow routing's decisions."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from services.department.adapters import repository
from services.department.domain.task import (
    TaskStatus,
    cancellable,
    check_extension,
    check_return,
    check_supplement_request,
    complete,
    resumable,
)
from shared import outbox
from shared.contracts import (
    TaskAssigned,
    TaskCancelled,
    TaskCompleted,
    TaskExtended,
    TaskOutcome,
    TaskResumed,
    TaskReturned,
    TaskSupplementRequested,
)

SOURCE = "department"


class TaskNotFoundError(LookupError):
    """No task has this id."""


@dataclass(frozen=True)
class CompleteTask:
    """Command: a clerk approves or refuses a task."""

    task_id: UUID
    outcome: TaskOutcome
    reason: str | None
    clerk_id: str


@dataclass(frozen=True)
class RequestSupplements:
    """Command: a clerk needs more papers from the applicant before deciding."""

    task_id: UUID
    missing: tuple[str, ...]
    clerk_id: str


@dataclass(frozen=True)
class ReturnTask:
    """Command: a clerk sends the task back as not the unit's competence."""

    task_id: UUID
    reason: str
    clerk_id: str


@dataclass(frozen=True)
class ExtendTask:
    """Command: a clerk cannot finish on time and sets a new due time, apologising (Form 04)."""

    task_id: UUID
    new_due_at: datetime
    reason: str
    clerk_id: str


async def queue_task(connection: asyncpg.Connection, event: TaskAssigned) -> None:
    """Put the task in its unit's queue, closed at once if its cancellation came first."""
    await repository.lock_task_id(connection, event.task_id)
    await repository.add_task(connection, event)
    early = await repository.take_early_cancellation(connection, event.task_id)
    if early is None:
        return
    task = await repository.lock_task(connection, event.task_id)
    if task is not None and cancellable(task["status"]):
        await repository.finish_task(
            connection, event.task_id, TaskStatus.CANCELLED, early["reason"], None, early["cancelled_at"]
        )


async def cancel_task(connection: asyncpg.Connection, event: TaskCancelled) -> None:
    """Close a task routing no longer needs; a finished task stays as it is."""
    await repository.lock_task_id(connection, event.task_id)
    task = await repository.lock_task(connection, event.task_id)
    if task is None:
        await repository.remember_cancellation(connection, event.task_id, event.reason, event.cancelled_at)
    elif cancellable(task["status"]):
        await repository.finish_task(
            connection, event.task_id, TaskStatus.CANCELLED, event.reason, None, event.cancelled_at
        )


async def resume_task(connection: asyncpg.Connection, event: TaskResumed) -> None:
    """Reopen a task that waited for supplements, due at the moved time; anything else is left alone."""
    task = await repository.lock_task(connection, event.task_id)
    if task is not None and resumable(task["status"]):
        await repository.reopen_task(connection, event.task_id, event.due_at)


async def complete_task(
    connection: asyncpg.Connection, command: CompleteTask, *, now: datetime, prefix: str
) -> asyncpg.Record:
    """Finish the task and announce it; raises ``TaskActionError`` or :class:`TaskNotFoundError`."""
    task = await _locked(connection, command.task_id)
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
    await outbox.enqueue(connection, event, source=SOURCE, prefix=prefix)
    return updated


async def request_supplements(
    connection: asyncpg.Connection, command: RequestSupplements, *, now: datetime, prefix: str
) -> asyncpg.Record:
    """Put the task on hold and ask for what is missing; raises ``TaskActionError`` or :class:`TaskNotFoundError`."""
    task = await _locked(connection, command.task_id)
    missing = check_supplement_request(task["status"], command.missing)
    updated = await repository.wait_for_supplements(connection, command.task_id, missing)
    event = TaskSupplementRequested(
        dossier_id=task["dossier_id"],
        dossier_code=task["dossier_code"],
        task_id=command.task_id,
        unit_code=task["unit_code"],
        missing=missing,
        requested_by=command.clerk_id,
        requested_at=now,
    )
    await outbox.enqueue(connection, event, source=SOURCE, prefix=prefix)
    return updated


async def return_task(
    connection: asyncpg.Connection, command: ReturnTask, *, now: datetime, prefix: str
) -> asyncpg.Record:
    """Hand the task back for re-routing; raises ``TaskActionError`` or :class:`TaskNotFoundError`."""
    task = await _locked(connection, command.task_id)
    reason = check_return(task["status"], command.reason)
    updated = await repository.finish_task(
        connection, command.task_id, TaskStatus.RETURNED, reason, command.clerk_id, now
    )
    event = TaskReturned(
        dossier_id=task["dossier_id"],
        dossier_code=task["dossier_code"],
        task_id=command.task_id,
        unit_code=task["unit_code"],
        reason=reason,
        returned_by=command.clerk_id,
        returned_at=now,
    )
    await outbox.enqueue(connection, event, source=SOURCE, prefix=prefix)
    return updated


async def extend_task(
    connection: asyncpg.Connection, command: ExtendTask, *, now: datetime, prefix: str
) -> asyncpg.Record:
    """Move the task's due time; routing moves the dossier's and the applicant gets the apology."""
    task = await _locked(connection, command.task_id)
    reason = check_extension(task["status"], task["due_at"], command.new_due_at, command.reason)
    updated = await repository.set_due(connection, command.task_id, command.new_due_at)
    event = TaskExtended(
        dossier_id=task["dossier_id"],
        dossier_code=task["dossier_code"],
        task_id=command.task_id,
        unit_code=task["unit_code"],
        previous_due_at=task["due_at"] or command.new_due_at,
        new_due_at=command.new_due_at,
        reason=reason,
        extended_by=command.clerk_id,
        extended_at=now,
    )
    await outbox.enqueue(connection, event, source=SOURCE, prefix=prefix)
    return updated


async def _locked(connection: asyncpg.Connection, task_id: UUID) -> asyncpg.Record:
    task = await repository.lock_task(connection, task_id)
    if task is None:
        raise TaskNotFoundError(f"no task has id {task_id}")
    return task
