"""A task's due time moved by routing because its calendar changed (a closure, an override)."""

import logging

from services.department.handlers import Work, _routing_changed, _routing_task
from shared.contracts import TaskDueChanged

log = logging.getLogger(__name__)


async def move_due(uow: Work, event: TaskDueChanged) -> None:
    """Hold the task's re-projected due time; its deadline clock is reviewed again (the due time moved).

    Applied only to an unfinished task and only if routing's order is newer than the last the task
    took: a replay or a redelivery changes nothing.
    """
    task = await _routing_task(uow, event.task_id, event)
    if not await uow.store.take_routing_order(event.task_id, event.sequence):
        log.info("stale due change (sequence %s) of task %s ignored", event.sequence, event.task_id)
        return
    if task["completed_at"] is not None:
        return
    moved = await uow.store.set_due(event.task_id, event.due_at)
    detail = {"previous_due_at": event.previous_due_at.isoformat(), "due_at": event.due_at.isoformat()}
    await _routing_changed(
        uow, moved, "due-changed", task["status"], event.changed_at, {**detail, "reason": event.reason}
    )
