"""Routing's orders to the department: queue an assigned task, cancel, resume, move its due time, hold the
dossier's identity. Each applies only if routing's order is newer than the last the task took, and is
recorded in the task's history and the dossier's journal as routing's.
"""

import logging
from datetime import datetime
from typing import Any
from uuid import UUID

from services.department.domain.task import TaskStatus, cancellable, resumable
from services.department.handlers import Work, journal_change
from services.department.store import Change, Task
from shared.contracts import Event, TaskAssigned, TaskCancelled, TaskDueChanged, TaskIdentityChanged, TaskResumed
from shared.kernel.journal import SYSTEM

log = logging.getLogger(__name__)

ROUTING = "routing"
"""The actor named in the history for changes routing made."""


class UnknownTaskError(LookupError):
    """Routing cancelled or resumed a task it never assigned: its stream would have brought the assignment first."""


async def queue_task(uow: Work, event: TaskAssigned) -> None:
    """Put the task in its unit's queue (once: a task already queued stays as it is).

    The task holds the assignment's number; routing's later orders for it apply only if newer. The
    dossier's documents it brings are the task's to read (kept once each).
    """
    added = await uow.store.add_task(event)
    await uow.store.add_task_documents(event.task_id, event.documents, event.assigned_at)
    if added is not None:
        due = {"due_at": _iso(event.due_at)}
        await routing_changed(uow, added, "assigned", None, event.assigned_at, due)


async def cancel_task(uow: Work, event: TaskCancelled) -> None:
    """Close a task routing no longer needs; a finished task stays as it is."""
    task = await routing_task(uow, event.task_id, event)
    if await newer_order(uow, event) and cancellable(task["status"]):
        cancelled = await uow.store.finish_task(
            event.task_id, TaskStatus.CANCELLED, event.reason, None, event.cancelled_at
        )
        await routing_changed(uow, cancelled, "cancelled", task["status"], event.cancelled_at)


async def resume_task(uow: Work, event: TaskResumed) -> None:
    """Reopen a task that waited for supplements or a payment, due at the moved time; anything else is left alone.

    The documents handed in meanwhile (supplements, the payment receipt) are the task's whatever the order's
    number: a document is a fact that an older order cannot undo.
    """
    task = await routing_task(uow, event.task_id, event)
    await uow.store.add_task_documents(event.task_id, event.documents, event.resumed_at)
    if await newer_order(uow, event) and resumable(task["status"]):
        reopened = await uow.store.reopen_task(event.task_id, event.due_at)
        await routing_changed(
            uow, reopened, "resumed", task["status"], event.resumed_at, {"due_at": _iso(event.due_at)}
        )


async def take_identity(uow: Work, event: TaskIdentityChanged) -> None:
    """Hold the dossier's newer identity on the task, which the last stage's approval is gated on.

    Applied only if both routing's order and the identity state are newer than the task holds: a replay
    or a redelivery changes nothing.
    """
    await routing_task(uow, event.task_id, event)
    if not await newer_order(uow, event):
        return
    updated = await uow.store.take_identity(event.task_id, event.identity)
    if updated is None:
        log.info("stale identity state %s of task %s ignored", event.identity.version, event.task_id)
        return
    identity = event.identity
    decision = identity.decision.value if identity.decision else None
    detail = {
        "identity_status": identity.status.value,
        "identity_decision": decision,
        "identity_version": identity.version,
    }
    await routing_changed(uow, updated, "identity-changed", updated["status"], event.changed_at, detail)


async def newer_order(uow: Work, event: TaskCancelled | TaskResumed | TaskIdentityChanged | TaskDueChanged) -> bool:
    """Whether routing's order is newer than the last one the task took, which it then becomes.

    A stale order (a replay of a dead letter, a redelivery: its number no higher than the task
    holds) changes nothing: an old resumption never reopens a task that waits again.
    """
    if await uow.store.take_routing_order(event.task_id, event.sequence):
        return True
    log.info("stale %s (sequence %s) of task %s ignored", type(event).__name__, event.sequence, event.task_id)
    return False


async def routing_task(uow: Work, task_id: UUID, event: Event) -> Task:
    task = await uow.store.task_for_update(task_id)
    if task is None:
        raise UnknownTaskError(f"{type(event).__name__} for task {task_id}, which routing never assigned")
    return task


async def routing_changed(
    uow: Work,
    task: Task,
    action: str,
    before: str | None,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    change = Change(
        task_id=task["id"],
        unit_code=task["unit_code"],
        dossier_code=task["dossier_code"],
        action=action,
        actor=ROUTING,
        by_clerk=False,
        status_before=before,
        status_after=task["status"],
        version=task["version"],
        at=at,
        detail=detail or {},
    )
    await uow.store.record_change(change)
    await journal_change(uow, change, SYSTEM)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


async def move_due(uow: Work, event: TaskDueChanged) -> None:
    """Hold the task's re-projected due time; its deadline clock is reviewed again (the due time moved).

    Applied only to an unfinished task and only if routing's order is newer than the last the task
    took: a replay or a redelivery changes nothing.
    """
    task = await routing_task(uow, event.task_id, event)
    if not await newer_order(uow, event) or task["completed_at"] is not None:
        return
    moved = await uow.store.set_due(event.task_id, event.due_at)
    detail = {"previous_due_at": event.previous_due_at.isoformat(), "due_at": event.due_at.isoformat()}
    await routing_changed(
        uow, moved, "due-changed", task["status"], event.changed_at, {**detail, "reason": event.reason}
    )
