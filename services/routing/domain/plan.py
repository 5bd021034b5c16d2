"""A dossier's routing plan and how task outcomes move it.

The plan holds the stages of a procedure with the unit chosen for each task. Each
method applies one thing that happened (a task approved, a supplement filed, …) and
returns the effects routing must announce: tasks assigned, cancelled or resumed and
status changes. Something that no longer applies (an approval after a withdrawal)
raises :class:`PlanRejectedError` and changes nothing.

Every effect takes the plan's next ``sequence`` number when it is made, in the order the
effects are returned: the events routing emits for one dossier are numbered 1, 2, 3, ...
from the one locked plan, so the consumers that mirror routing's state can tell a stale
event (a replay, a redelivery) from a newer one.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID, uuid4

from services.routing.domain.deadlines import Deadlines
from shared.contracts import DossierStatus, IdentityDecision, IdentityStatus
from shared.contracts.events import is_newer


class PlanRejectedError(ValueError):
    """The event does not apply to the plan in its current state."""


class TaskState(StrEnum):
    PENDING = "pending"
    OPEN = "open"
    WAITING = "waiting"
    APPROVED = "approved"
    REFUSED = "refused"
    RETURNED = "returned"
    CANCELLED = "cancelled"

    @property
    def is_active(self) -> bool:
        """Assigned to a unit and not finished."""
        return self in (TaskState.OPEN, TaskState.WAITING)


@dataclass
class Routing:
    """Which unit gets a task and why."""

    unit_code: str
    unit: str
    rule: str | None
    explanation: str


@dataclass
class PlanTask:
    """One unit's share of the dossier."""

    id: UUID
    key: str
    name_vi: str
    name_en: str
    stage: int
    working_days: int
    routing: Routing
    alternatives: list[Routing] = field(default_factory=list)
    state: TaskState = TaskState.PENDING
    assigned_at: datetime | None = None
    due_at: datetime | None = None
    finished_at: datetime | None = None
    reason: str | None = None
    replaces: UUID | None = None


@dataclass
class AuditEntry:
    """A routing decision worth explaining later."""

    at: datetime
    action: str
    detail: str
    task_key: str | None = None
    from_unit: str | None = None
    to_unit: str | None = None
    rule: str | None = None


@dataclass(frozen=True)
class Numbered:
    """An effect with its number among all the events routing emitted for the dossier."""

    sequence: int


@dataclass(frozen=True)
class Assigned(Numbered):
    task_id: UUID
    task_key: str
    stage: int
    unit_code: str
    assigned_at: datetime
    due_at: datetime
    final_stage: bool = False
    """Whether the task is of the plan's last stage, whose approval ends the dossier."""


@dataclass(frozen=True)
class IdentityForwarded(Numbered):
    """The dossier's identity changed under an open task: its unit is told the plan's identity."""

    task_id: UUID
    unit_code: str


@dataclass(frozen=True)
class Cancelled(Numbered):
    task_id: UUID
    unit_code: str
    reason: str


@dataclass(frozen=True)
class Resumed(Numbered):
    task_id: UUID
    unit_code: str
    due_at: datetime


@dataclass(frozen=True)
class StatusChanged(Numbered):
    status: DossierStatus
    previous: DossierStatus | None
    due_at: datetime
    handling_unit: str | None
    reason: str | None = None
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class DueChanged(Numbered):
    """A task's due time moved without any act on it: its calendar changed (a closure, an override)."""

    task_id: UUID
    unit_code: str
    previous_due_at: datetime
    due_at: datetime
    reason: str


Effect = Assigned | Cancelled | Resumed | StatusChanged | DueChanged | IdentityForwarded


@dataclass
class DossierPlan:
    """Everything routing knows about one dossier's way through the units."""

    dossier_id: UUID
    dossier_code: str
    procedure_code: str
    catalogue_version: str
    rules_version: str
    receiving_agency: str
    received_at: datetime
    due_at: datetime
    working_days: int
    cutoff: str | None
    on_supplement: Literal["pause", "restart"]
    supplement_once: bool
    stage_count: int
    tasks: list[PlanTask]
    status: DossierStatus = DossierStatus.NEW
    current_stage: int = 0
    paused_at: datetime | None = None
    supplement_requests: int = 0
    portal_dossier_id: str | None = None
    """The national portal's own id, for a dossier it pushed in; sent back with every status change."""
    audit: list[AuditEntry] = field(default_factory=list)
    sequence: int = 0
    """The number of the last event emitted for the dossier (0: none yet, or a plan from before numbering)."""
    identity_status: IdentityStatus = IdentityStatus.UNCHECKED
    """The applicant's identity check as intake last told it (unchecked for dossiers filed before it travelled)."""
    identity_decision: IdentityDecision | None = None
    identity_version: int = 0
    """Intake's number of the identity state the plan holds (0: none told)."""

    # -- what happened -------------------------------------------------------------

    def start(self, now: datetime, deadlines: Deadlines) -> list[Effect]:
        """The dossier arrived: announce it as received and open the first stage."""
        if self.status is not DossierStatus.NEW:
            raise PlanRejectedError(f"dossier {self.dossier_code} is already {self.status.value}")
        self.status = DossierStatus.RECEIVING
        received = StatusChanged(self._next(), DossierStatus.RECEIVING, None, self.due_at, self.receiving_agency)
        effects: list[Effect] = [received]
        effects += self._open_stage(0, now, deadlines)
        effects.append(self._move_to(DossierStatus.PROCESSING))
        return effects

    def approve(self, task_id: UUID, now: datetime, deadlines: Deadlines) -> list[Effect]:
        """A unit approved its task; the next stage opens when the whole stage approved."""
        task = self._active_task(task_id, allowed=(TaskState.OPEN,))
        self._finish(task, TaskState.APPROVED, now, None)
        stage_tasks = [t for t in self.tasks if t.stage == self.current_stage]
        if any(t.state is not TaskState.APPROVED for t in stage_tasks if t.state is not TaskState.RETURNED):
            return []
        if self.current_stage + 1 < self.stage_count:
            opened = self._open_stage(self.current_stage + 1, now, deadlines)
            return [*opened, self._status_with_units(self.status)]
        return [self._move_to(DossierStatus.DONE, handling_unit=task.routing.unit_code)]

    def refuse(self, task_id: UUID, reason: str, now: datetime) -> list[Effect]:
        """A unit refused: the dossier is denied and every other task is cancelled."""
        task = self._active_task(task_id, allowed=(TaskState.OPEN,))
        self._finish(task, TaskState.REFUSED, now, reason)
        cancelled = self._cancel_rest(f"dossier refused by {task.routing.unit_code}", now)
        return [*cancelled, self._move_to(DossierStatus.DENIED, handling_unit=task.routing.unit_code, reason=reason)]

    def request_supplement(self, task_id: UUID, missing: tuple[str, ...], now: datetime) -> list[Effect]:
        """A unit needs more papers: the task waits and the dossier's clock stops."""
        task = self._active_task(task_id, allowed=(TaskState.OPEN,))
        if self.supplement_once and self.supplement_requests >= 1:
            self._note(now, "supplement-refused", "the procedure allows one supplement request", task)
            assert task.due_at is not None
            return [Resumed(self._next(), task.id, task.routing.unit_code, task.due_at)]
        self.supplement_requests += 1
        task.state = TaskState.WAITING
        self._note(now, "supplement-requested", "missing: " + "; ".join(missing), task)
        if self.status is DossierStatus.WAITING:
            return []
        self.paused_at = now
        return [self._move_to(DossierStatus.WAITING, handling_unit=task.routing.unit_code, missing=missing)]

    def supplement(self, now: datetime, deadlines: Deadlines) -> list[Effect]:
        """The applicant handed in the supplements: waiting tasks resume with their clocks moved."""
        if self.status is not DossierStatus.WAITING or self.paused_at is None:
            raise PlanRejectedError(f"dossier {self.dossier_code} is {self.status.value}, not waiting for supplements")
        paused = deadlines.paused_days(self.paused_at, now)
        if self.on_supplement == "restart":
            self.due_at = deadlines.dossier_due(now, self.working_days, self.cutoff)
        else:
            self.due_at = deadlines.extend(self.due_at, paused)
        effects: list[Effect] = []
        for task in self.tasks:
            if not task.state.is_active or task.due_at is None:
                continue
            waiting = task.state is TaskState.WAITING
            if waiting and self.on_supplement == "restart":
                task.due_at = deadlines.task_due(now, task.working_days)
            else:
                task.due_at = deadlines.extend(task.due_at, paused)
            if waiting:
                task.state = TaskState.OPEN
                effects.append(Resumed(self._next(), task.id, task.routing.unit_code, task.due_at))
        self._note(now, "supplemented", f"clock stopped for {paused} working day(s); due {self.due_at.isoformat()}")
        self.paused_at = None
        return [*effects, self._status_with_units(DossierStatus.PROCESSING)]

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
        return [self._assign(replacement, now, deadlines), self._status_with_units(self.status)]

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
        once, with ``reason``, when it moved. A finished dossier changes nothing.
        """
        if self.status.is_final:
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
        if self.status.is_final:
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
        """The applicant withdrew: everything still open is cancelled."""
        if self.status.is_final:
            raise PlanRejectedError(f"dossier {self.dossier_code} is already {self.status.value}")
        cancelled = self._cancel_rest("withdrawn by the applicant", now)
        return [*cancelled, self._move_to(DossierStatus.CANCELLED, reason=reason)]

    # -- views -----------------------------------------------------------------------

    def task(self, task_id: UUID) -> PlanTask | None:
        return next((t for t in self.tasks if t.id == task_id), None)

    def active_tasks(self) -> list[PlanTask]:
        return [t for t in self.tasks if t.state.is_active]

    # -- mechanics -------------------------------------------------------------------

    def _active_task(self, task_id: UUID, *, allowed: tuple[TaskState, ...]) -> PlanTask:
        if self.status.is_final:
            raise PlanRejectedError(f"dossier {self.dossier_code} is already {self.status.value}")
        task = self.task(task_id)
        if task is None:
            raise PlanRejectedError(f"task {task_id} is not part of dossier {self.dossier_code}")
        if task.state not in allowed:
            raise PlanRejectedError(f"task {task.key} ({task_id}) is {task.state.value}")
        return task

    def _open_stage(self, index: int, now: datetime, deadlines: Deadlines) -> list[Effect]:
        self.current_stage = index
        return [
            self._assign(t, now, deadlines) for t in self.tasks if t.stage == index and t.state is TaskState.PENDING
        ]

    def _assign(self, task: PlanTask, now: datetime, deadlines: Deadlines) -> Assigned:
        task.state = TaskState.OPEN
        task.assigned_at = now
        task.due_at = deadlines.task_due(now, task.working_days)
        final = task.stage == self.stage_count - 1
        return Assigned(self._next(), task.id, task.key, task.stage, task.routing.unit_code, now, task.due_at, final)

    def _finish(self, task: PlanTask, state: TaskState, now: datetime, reason: str | None) -> None:
        task.state = state
        task.finished_at = now
        task.reason = reason

    def _cancel_rest(self, reason: str, now: datetime) -> list[Effect]:
        effects: list[Effect] = []
        for task in self.tasks:
            if task.state.is_active:
                effects.append(Cancelled(self._next(), task.id, task.routing.unit_code, reason))
            if task.state.is_active or task.state is TaskState.PENDING:
                self._finish(task, TaskState.CANCELLED, now, reason)
        self.paused_at = None
        return effects

    def _move_to(
        self,
        status: DossierStatus,
        *,
        handling_unit: str | None = None,
        reason: str | None = None,
        missing: tuple[str, ...] = (),
    ) -> StatusChanged:
        previous, self.status = self.status, status
        unit = handling_unit if handling_unit is not None else self._active_units()
        return StatusChanged(self._next(), status, previous, self.due_at, unit, reason, missing)

    def _next(self) -> int:
        """The number of the next event: one more than the last the plan emitted."""
        self.sequence += 1
        return self.sequence

    def _status_with_units(self, status: DossierStatus) -> StatusChanged:
        return self._move_to(status)

    def _active_units(self) -> str | None:
        units = sorted({t.routing.unit_code for t in self.tasks if t.state.is_active})
        return ", ".join(units) or None

    def _note(self, now: datetime, action: str, detail: str, task: PlanTask | None = None) -> None:
        unit = task.routing.unit_code if task else None
        self.audit.append(AuditEntry(now, action, detail, task.key if task else None, unit))
