"""Department's use cases: clerks acting on their units' tasks (routing's orders: :mod:`routing_orders`).

Every change of a task is recorded in its history in the same transaction: routing's
(assigned, cancelled, resumed) and clerks' actions, which form the units' audit log.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

from services.department.domain.access import Action, Clerk
from services.department.domain.claims import (
    DEFAULT_CLAIM_EXPIRY,
    check_claim,
    check_not_held_by_another,
    check_reassignment,
    check_release,
    expiry,
    holder,
)
from services.department.domain.identity_gate import check_identity_gate
from services.department.domain.obligation import NotifyFinancialObligation
from services.department.domain.task import (
    TaskStatus,
    check_comment,
    check_extension,
    check_return,
    check_supplement_request,
    check_version,
    complete,
    extended_due,
)
from services.department.obligations import notify_financial_obligation
from services.department.store import Change, DepartmentStore, Entry, Task
from shared.contracts import (
    Event,
    TaskCompleted,
    TaskExtended,
    TaskOutcome,
    TaskReturned,
    TaskSupplementRequested,
)
from shared.kernel.journal import clerk_actor
from shared.kernel.unit_of_work import UnitOfWork
from shared.reference.calendar import default_calendar
from shared.reference.data import catalogue

log = logging.getLogger(__name__)

Work = UnitOfWork[DepartmentStore]
"""Department's unit of work: its store holds the tasks for one transaction."""


class TaskNotFoundError(LookupError):
    """No task has this id, or none the clerk may see."""


@dataclass(frozen=True)
class Approve:
    """Command: an approver signs the unit's approval."""

    action: ClassVar[Action] = Action.APPROVE
    note: str | None = None


@dataclass(frozen=True)
class Refuse:
    """Command: an approver refuses, giving the reason the applicant is told."""

    action: ClassVar[Action] = Action.REFUSE
    reason: str


@dataclass(frozen=True)
class RequestSupplements:
    """Command: a handler needs more papers from the applicant before deciding."""

    action: ClassVar[Action] = Action.REQUEST_SUPPLEMENTS
    missing: tuple[str, ...]


@dataclass(frozen=True)
class ReturnTask:
    """Command: a handler sends the task back as not the unit's competence."""

    action: ClassVar[Action] = Action.RETURN
    reason: str


@dataclass(frozen=True)
class ExtendTask:
    """Command: a handler cannot finish on time and sets a new due date, a working day, apologising (Form 04)."""

    action: ClassVar[Action] = Action.EXTEND
    new_due_date: date
    reason: str


@dataclass(frozen=True)
class Claim:
    """Command: a handler takes the task to work on it, for ``lasts`` at most."""

    action: ClassVar[Action] = Action.CLAIM
    lasts: timedelta = DEFAULT_CLAIM_EXPIRY


@dataclass(frozen=True)
class Release:
    """Command: the handler holding the task, or a supervisor of its unit, gives it back to the unit."""

    action: ClassVar[Action] = Action.RELEASE


@dataclass(frozen=True)
class Reassign:
    """Command: a supervisor gives the task, claimed or not, to ``clerk_id``, whose claim lasts ``lasts``."""

    action: ClassVar[Action] = Action.REASSIGN
    clerk_id: str
    lasts: timedelta = DEFAULT_CLAIM_EXPIRY


@dataclass(frozen=True)
class Comment:
    """Command: a clerk leaves a note in the task's history; the task itself does not change."""

    action: ClassVar[Action] = Action.COMMENT
    text: str


ClerkCommand = (
    Approve
    | Refuse
    | RequestSupplements
    | ReturnTask
    | ExtendTask
    | Claim
    | Release
    | Reassign
    | Comment
    | NotifyFinancialObligation
)


@dataclass(frozen=True)
class Acting:
    """Who acts on which version of which task, in which trace (the unit of work says when)."""

    clerk: Clerk
    task_id: UUID
    expected_version: int
    trace_id: str | None = None


@dataclass(frozen=True)
class Acted:
    """The task after the action, and the history entry that records it."""

    task: Task
    change: Entry


def visible(task: Task | None, clerk: Clerk, task_id: UUID) -> Task:
    """The task if the clerk's units include its unit; raises :class:`TaskNotFoundError` otherwise."""
    if task is None or not clerk.sees(task["unit_code"]):
        raise TaskNotFoundError(f"no task has id {task_id}")
    return task


async def act(uow: Work, acting: Acting, command: ClerkCommand) -> Acted:
    """Apply a clerk's command, at the unit of work's time, to the version of the task they saw.

    The clerk's roles in the task's unit decide; a claim counts only until it expires at that time.
    Raises :class:`TaskNotFoundError` (not the clerk's unit, or no such task),
    ``ForbiddenActionError`` (no role for it there), ``StaleVersionError`` or ``TaskActionError``; an extension
    to a day that is not a working day raises ``NotAWorkingDayError`` first, whatever the task.
    """
    store = uow.store
    new_due_at = extended_due(command.new_due_date, default_calendar()) if isinstance(command, ExtendTask) else None
    task = visible(await store.task_for_update(acting.task_id), acting.clerk, acting.task_id)
    acting.clerk.check(task["unit_code"], command.action)
    check_version(task["version"], acting.expected_version)
    updated, detail, event = await _apply(store, task, command, acting, uow.now, new_due_at)
    event_id = await uow.outbox.add(event) if event is not None else None
    if isinstance(event, TaskExtended):
        await store.record_extension(event)  # the public board counts the task late
    change = Change(
        task_id=task["id"],
        unit_code=task["unit_code"],
        dossier_code=task["dossier_code"],
        action=_PAST_TENSE[command.action],
        actor=acting.clerk.id,
        by_clerk=True,
        status_before=task["status"],
        status_after=updated["status"],
        version=updated["version"],
        at=uow.now,
        trace_id=acting.trace_id,
        detail=detail,
    )
    entry = await store.record_change(change)
    await journal_change(uow, change, clerk_actor(acting.clerk.id), event_id)
    return Acted(updated, entry)


_JOURNALLED_DETAILS = (
    "claim_expires_at",
    "expired_claim_of",
    "claimed_by",
    "from",
    "to",
    "previous_due_at",
    "new_due_at",
    "due_at",
    "identity_status",
    "identity_decision",
    "identity_version",
    "amount_vnd",
)
"""What of a change's detail goes to the journal: ids and times, never a clerk's free text (it may name a person)."""


async def journal_change(uow: Work, change: Change, actor: str, event_id: UUID | None = None) -> None:
    """Append ``change`` to the dossier's chain: who did what to which task, with the event it caused."""
    details: dict[str, Any] = {
        "task_id": str(change.task_id),
        "unit_code": change.unit_code,
        "status_before": change.status_before,
        "status_after": change.status_after,
        "version": change.version,
    }
    details.update({k: change.detail[k] for k in _JOURNALLED_DETAILS if k in change.detail})
    if event_id is not None:
        details["event_id"] = str(event_id)
    if uow.cause is not None:
        details["cause"] = str(uow.cause)
    await uow.journal.append(change.dossier_code, f"task {change.action}", actor, details)


_PAST_TENSE = {
    Action.APPROVE: "approved",
    Action.REFUSE: "refused",
    Action.REQUEST_SUPPLEMENTS: "supplements-requested",
    Action.RETURN: "returned",
    Action.EXTEND: "extended",
    Action.CLAIM: "claimed",
    Action.RELEASE: "released",
    Action.REASSIGN: "reassigned",
    Action.COMMENT: "commented",
    Action.NOTIFY_FINANCIAL_OBLIGATION: "financial-obligation-notified",
}


async def _apply(
    store: DepartmentStore,
    task: Task,
    command: ClerkCommand,
    acting: Acting,
    now: datetime,
    new_due_at: datetime | None,
) -> tuple[Task, dict[str, Any], Event | None]:
    task_id, clerk = task["id"], acting.clerk.id
    held_by = holder(task["claimed_by"], task["claim_expires_at"], now)
    facts = {
        "dossier_id": task["dossier_id"],
        "dossier_code": task["dossier_code"],
        "task_id": task_id,
        "unit_code": task["unit_code"],
    }
    match command:
        case Approve() | Refuse():
            outcome = TaskOutcome.APPROVED if isinstance(command, Approve) else TaskOutcome.REFUSED
            given = command.note if isinstance(command, Approve) else command.reason
            done = complete(task["status"], outcome, given)
            if outcome is TaskOutcome.APPROVED:
                decision = task["identity_decision"]
                check_identity_gate(final_stage=task["final_stage"], status=task["identity_status"], decision=decision)
            updated = await store.finish_task(task_id, done.outcome.value, done.reason, clerk, now)
            completed = TaskCompleted(
                **facts, outcome=done.outcome, reason=done.reason, completed_by=clerk, completed_at=now
            )
            return updated, {"reason": done.reason}, completed
        case RequestSupplements():
            check_not_held_by_another(held_by, clerk)
            procedure = catalogue().find(task["procedure_code"])
            once = procedure.supplement_once if procedure is not None else True
            missing = check_supplement_request(
                task["status"], command.missing, asked_before=task["supplement_requests"], once=once
            )
            updated = await store.wait_for_supplements(task_id, missing)
            requested = TaskSupplementRequested(**facts, missing=missing, requested_by=clerk, requested_at=now)
            return updated, {"missing": list(missing)}, requested
        case ReturnTask():
            check_not_held_by_another(held_by, clerk)
            reason = check_return(task["status"], command.reason)
            updated = await store.finish_task(task_id, TaskStatus.RETURNED, reason, clerk, now)
            returned = TaskReturned(**facts, reason=reason, returned_by=clerk, returned_at=now)
            return updated, {"reason": reason}, returned
        case ExtendTask():
            check_not_held_by_another(held_by, clerk)
            assert new_due_at is not None
            reason = check_extension(task["status"], task["due_at"], new_due_at, command.reason)
            updated = await store.set_due(task_id, new_due_at)
            previous = task["due_at"] or new_due_at
            extended = TaskExtended(
                **facts,
                previous_due_at=previous,
                new_due_at=new_due_at,
                reason=reason,
                extended_by=clerk,
                extended_at=now,
            )
            detail = {"previous_due_at": previous.isoformat(), "new_due_at": new_due_at.isoformat()}
            return updated, {**detail, "reason": reason}, extended
        case Claim():
            check_claim(task["status"], held_by, clerk)
            until = expiry(now, command.lasts)
            claimed = {"claim_expires_at": until.isoformat()}
            if task["claimed_by"] is not None and held_by is None:
                claimed["expired_claim_of"] = task["claimed_by"]
            return await store.claim_task(task_id, clerk, now, until), claimed, None
        case Release():
            may_release_others = acting.clerk.may(task["unit_code"], Action.RELEASE_OTHERS)
            released = check_release(held_by, clerk, may_release_others=may_release_others)
            return await store.release_task(task_id), {"claimed_by": released}, None
        case Reassign():
            to = check_reassignment(task["status"], held_by, command.clerk_id)
            until = expiry(now, command.lasts)
            reassigned = {"from": held_by, "to": to, "claim_expires_at": until.isoformat()}
            return await store.claim_task(task_id, to, now, until), reassigned, None
        case Comment():
            return task, {"text": check_comment(command.text)}, None
        case NotifyFinancialObligation():
            return await notify_financial_obligation(store, task, command, acting.clerk, held_by, now)
