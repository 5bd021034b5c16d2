"""A dossier's routing plan and how task outcomes move it.

The plan holds the stages of a procedure with the unit chosen for each task. Each
method applies one thing that happened (a task approved, a supplement filed, …) and
returns the effects routing must announce: tasks assigned, cancelled or resumed and
status changes. Something that no longer applies (an approval after a withdrawal)
raises :class:`PlanRejectedError` and changes nothing; something that contradicts the plan
(a result nobody asked for) raises :class:`PlanViolationError`.

Every effect takes the plan's next ``sequence`` number when it is made, in the order the
effects are returned: the events routing emits for one dossier are numbered 1, 2, 3, ...
from the one locked plan, so the consumers that mirror routing's state can tell a stale
event (a replay, a redelivery) from a newer one.

This module holds the handling by the units (stages, refusals, supplements, returns,
extensions, identity, withdrawal); the steps before and after it are in their own modules:
receipt (:mod:`.receipt`), waits and payment (:mod:`.waits`, :mod:`.payment`), the result
(:mod:`.result`), on the data and mechanics of :mod:`.plan_state`.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID, uuid4

from services.routing.domain.deadlines import Deadlines
from services.routing.domain.effects import (
    Assigned,
    Cancelled,
    DueChanged,
    Effect,
    IdentityForwarded,
    Numbered,
    ResultAsked,
    Resumed,
    ReturnAnnounced,
    StatusChanged,
)
from services.routing.domain.payment import PaymentSteps
from services.routing.domain.plan_state import AuditEntry, PlanRejectedError, PlanViolationError, ResultRequest
from services.routing.domain.receipt import ReceiptSteps
from services.routing.domain.result import ResultSteps
from services.routing.domain.tasks import PlanTask, Routing, TaskState, Wait
from shared.contracts import DocumentRef, DossierStatus, IdentityDecision, IdentityStatus, ResultKind
from shared.contracts.events import is_newer

__all__ = [
    "Assigned",
    "AuditEntry",
    "Cancelled",
    "DossierPlan",
    "DueChanged",
    "Effect",
    "IdentityForwarded",
    "Numbered",
    "PlanRejectedError",
    "PlanTask",
    "PlanViolationError",
    "ResultAsked",
    "ResultRequest",
    "Resumed",
    "ReturnAnnounced",
    "Routing",
    "StatusChanged",
    "TaskState",
]


@dataclass
class DossierPlan(ReceiptSteps, PaymentSteps, ResultSteps):
    """Everything routing knows about one dossier's way through the units, and every step of its life."""

    # -- what happened -------------------------------------------------------------

    def start(self, now: datetime, deadlines: Deadlines) -> list[Effect]:
        """The dossier arrived complete: announce it as received and open the first stage."""
        if self.status is not DossierStatus.NEW:
            raise PlanRejectedError(f"dossier {self.dossier_code} is already {self.status.value}")
        received = self._move_to(DossierStatus.RECEIVING, handling_unit=self.receiving_agency)
        if self.filed_at is None:  # nothing was announced before
            received = replace(received, previous=None)
        effects: list[Effect] = [received]
        effects += self._open_stage(0, now, deadlines)
        effects.append(self._move_to(DossierStatus.PROCESSING))
        return effects

    def approve(self, task_id: UUID, now: datetime, deadlines: Deadlines) -> list[Effect]:
        """A unit approved its task; the next stage opens when the whole stage approved.

        After the last stage, the unit that approved last is asked for the signed result; the
        dossier stays processing, in that unit's hands, until it is issued.
        """
        task = self._active_task(task_id, allowed=(TaskState.OPEN,))
        self._finish(task, TaskState.APPROVED, now, None)
        stage_tasks = [t for t in self.tasks if t.stage == self.current_stage]
        if any(t.state is not TaskState.APPROVED for t in stage_tasks if t.state is not TaskState.RETURNED):
            return []
        if self.current_stage + 1 < self.stage_count:
            opened = self._open_stage(self.current_stage + 1, now, deadlines)
            return [*opened, *self._hand_to(self.status)]
        return self._ask_for(task, ResultKind.RESULT, None, now)

    def refuse(self, task_id: UUID, reason: str, now: datetime) -> list[Effect]:
        """A unit refused: every other task is cancelled and the unit is asked for the signed refusal letter.

        The dossier is denied when the letter is issued (:meth:`issue_result`).
        """
        task = self._active_task(task_id, allowed=(TaskState.OPEN,))
        self._finish(task, TaskState.REFUSED, now, reason)
        cancelled = self._cancel_rest(f"dossier refused by {task.routing.unit_code}", now)
        return [*cancelled, *self._ask_for(task, ResultKind.REFUSAL, reason, now)]

    def request_supplement(self, task_id: UUID, missing: tuple[str, ...], now: datetime) -> list[Effect]:
        """A unit needs more papers: the task waits and the dossier's clock stops."""
        task = self._active_task(task_id, allowed=(TaskState.OPEN,))
        if self.supplement_once and self.supplement_requests >= 1:
            self._note(now, "supplement-refused", "the procedure allows one supplement request", task)
            assert task.due_at is not None
            return [Resumed(self._next(), task.id, task.routing.unit_code, task.due_at)]
        self.supplement_requests += 1
        self._begin_wait(task, Wait("supplement", now, True, len(self.documents), missing=missing))
        self._note(now, "supplement-requested", "missing: " + "; ".join(missing), task)
        if self.status is DossierStatus.WAITING:
            return []
        return [self._move_to(DossierStatus.WAITING, handling_unit=task.routing.unit_code, missing=missing)]

    def supplement(self, now: datetime, deadlines: Deadlines, documents: tuple[DocumentRef, ...] = ()) -> list[Effect]:
        """The applicant handed in the supplements (``documents``): the tasks waiting for them resume, due later
        by the working time the clock stood still (or counted again, where the procedure restarts it)."""
        self._expect_waiting("supplement")
        self._add_documents(documents)
        return self._end_waits("supplement", now, deadlines)

    def return_task(self, task_id: UUID, reason: str, now: datetime, deadlines: Deadlines) -> list[Effect]:
        """A unit says the task is not its competence: give it to the next candidate unit."""
        task = self._active_task(task_id, allowed=(TaskState.OPEN,))
        self._finish(task, TaskState.RETURNED, now, reason)
        tried = {t.routing.unit_code for t in self.tasks if t.key == task.key}
        untried = [r for r in task.alternatives if r.unit_code not in tried]
        routing = untried[0] if untried else task.routing
        replacement = PlanTask(
            id=uuid4(),
            key=task.key,
            name_vi=task.name_vi,
            name_en=task.name_en,
            stage=task.stage,
            working_days=task.working_days,
            routing=routing,
            alternatives=untried[1:],
            replaces=task.id,
        )
        self.tasks.append(replacement)
        detail = f"returned as not competent: {reason}; re-routed: {routing.explanation}"
        if not untried:
            detail = f"returned as not competent: {reason}; no other unit is competent, sent back to the same unit"
        self.audit.append(
            AuditEntry(now, "re-routed", detail, task.key, task.routing.unit_code, routing.unit_code, routing.rule)
        )
        return [self._assign(replacement, now, deadlines), *self._hand_to(self.status)]

    def extend(
        self, task_id: UUID, new_due: datetime, reason: str, now: datetime, deadlines: Deadlines
    ) -> list[Effect]:
        """A unit set a later due time (apology, Form 04): the dossier's due time moves as far, in working days."""
        task = self._active_task(task_id, allowed=(TaskState.OPEN, TaskState.WAITING))
        if task.due_at is None or new_due <= task.due_at:
            raise PlanRejectedError(f"task {task.key} is already due {task.due_at}, not before {new_due}")
        delay = deadlines.working_days_between(task.due_at, new_due)
        task.due_at = new_due
        self.due_at = max(deadlines.extend(self.due_at, delay), new_due)
        self._note(now, "extended", f"apology (Form 04): {reason}; task due {new_due.isoformat()}", task)
        return [self._move_to(self.status, handling_unit=task.routing.unit_code, reason=reason)]

    def reproject(self, move: Callable[[datetime, datetime], datetime], reason: str, now: datetime) -> list[Effect]:
        """The calendar changed: each open due time becomes ``move(start, due)``; finished ones stay.

        Each active task whose due time moved is announced, and the dossier's new appointment
        once, with ``reason``, when it moved. A finished dossier, or one not received yet, changes nothing.
        """
        if self.ended or self.status is DossierStatus.NEW:
            return []
        effects: list[Effect] = []
        for task in self.active_tasks():
            if task.due_at is None or task.assigned_at is None:
                continue
            moved = move(task.assigned_at, task.due_at)
            if moved != task.due_at:
                effects.append(DueChanged(self._next(), task.id, task.routing.unit_code, task.due_at, moved, reason))
                task.due_at = moved
        due = move(self.received_at, self.due_at)
        if due == self.due_at:
            return effects
        self._note(now, "re-projected", f"{reason}; due {self.due_at.isoformat()} -> {due.isoformat()}")
        self.due_at = due
        return [*effects, self._move_to(self.status, reason=reason)]

    def change_identity(
        self,
        status: IdentityStatus,
        decision: IdentityDecision | None,
        version: int,
        reason: str | None,
        now: datetime,
    ) -> list[Effect]:
        """Intake told a newer identity state: the units of the open tasks are told it; a refusal denies the dossier.

        A state no newer than the one held (a replay, a redelivery) is rejected and changes nothing.
        """
        if not is_newer(version, self.identity_version):
            raise PlanRejectedError(f"identity state {version} is not newer than the {self.identity_version} held")
        self.identity_status, self.identity_decision, self.identity_version = status, decision, version
        decided = f", {decision.value} by the receiving clerk" if decision else ""
        self._note(now, "identity-changed", f"identity {status.value}{decided} (state {version})")
        if self.ended or self.decided:
            return []
        if decision is IdentityDecision.REFUSED:
            cancelled = self._cancel_rest("identity refused at the receiving centre", now)
            refused = reason or "identity refused at the receiving centre"
            return [
                *cancelled,
                self._move_to(DossierStatus.DENIED, handling_unit=self.receiving_agency, reason=refused),
            ]
        return [IdentityForwarded(self._next(), t.id, t.routing.unit_code) for t in self.active_tasks()]

    def withdraw(self, reason: str, now: datetime) -> list[Effect]:
        """The applicant withdrew: everything still open is cancelled; once the units decided, it is too late."""
        if self.ended:
            raise PlanRejectedError(f"dossier {self.dossier_code} is already {self.status.value}")
        if self.decided:
            raise PlanRejectedError(f"dossier {self.dossier_code} is decided: its result is issued or being issued")
        cancelled = self._cancel_rest("withdrawn by the applicant", now)
        return [*cancelled, self._move_to(DossierStatus.CANCELLED, reason=reason)]
