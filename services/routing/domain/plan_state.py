"""What routing holds of one dossier, and the mechanics every step of its life shares.

:class:`PlanState` is the data of the plan (stored as one JSON document, its documents as
rows) with the moves the steps are made of: number the next effect, move the status, open a
stage, cancel what is left. The steps themselves (receipt, handling, payment, result) are
in their own modules and come together in :class:`~services.routing.domain.plan.DossierPlan`.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypedDict
from uuid import UUID

from services.routing.domain.deadlines import Deadlines
from services.routing.domain.effects import Assigned, Cancelled, Effect, StatusChanged
from services.routing.domain.tasks import PlanTask, TaskState
from shared.contracts import (
    DocumentRef,
    DossierStatus,
    IdentityDecision,
    IdentityStatus,
    PaymentDue,
    ResultDelivery,
    ResultKind,
)
from shared.reference.catalogue import Procedure


class PlanRejectedError(ValueError):
    """The event does not apply to the plan in its current state: a late or repeated act, ignored."""


class PlanViolationError(ValueError):
    """The event contradicts the plan or the procedure; it is not a late act but a fault to look at.

    Not a :class:`PlanRejectedError`: it is not ignored but refused, so the message is dead-lettered
    (a ``ValueError``: final, see ``shared/kernel/failures.py``) and nothing is changed.
    """


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


class ClockTerms(TypedDict):
    """What a plan copies of its procedure to count its time."""

    working_days: int
    cutoff: str | None
    on_supplement: Literal["pause", "restart"]
    supplement_once: bool


def clock_terms(procedure: Procedure) -> ClockTerms:
    """The procedure's allowance, cut-off hour (``HH:MM``) and rules for supplements, as a plan keeps them."""
    return ClockTerms(
        working_days=procedure.working_days,
        cutoff=procedure.cutoff.isoformat(timespec="minutes") if procedure.cutoff else None,
        on_supplement=procedure.on_supplement,
        supplement_once=procedure.supplement_once,
    )


@dataclass
class ResultRequest:
    """The signed document a unit was asked to issue to end the dossier."""

    kind: ResultKind
    task_id: UUID
    unit_code: str
    reason: str | None
    requested_at: datetime


@dataclass
class PlanState:
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
    filed_at: datetime | None = None
    """When the dossier was filed incomplete (status new) before it was submitted; None when submitted at once."""
    documents: list[DocumentRef] = field(default_factory=list)
    """Every document of the dossier so far, in the order handed in (kept as rows beside the plan)."""
    result_delivery: ResultDelivery = ResultDelivery.COUNTER
    result_request: ResultRequest | None = None
    result: DocumentRef | None = None
    """The signed result or refusal letter the unit issued."""
    handling_unit: str | None = None
    """The unit(s) the last status change named as handling the dossier (None in a plan stored before it was kept)."""

    # -- views -----------------------------------------------------------------------

    @property
    def ended(self) -> bool:
        """Nothing more happens to the dossier: finished (not accepted at the centre included)."""
        return self.status.is_final

    @property
    def decided(self) -> bool:
        """The units have decided: a result or refusal letter is asked for or issued."""
        return self.result_request is not None

    def stage_state(self, index: int) -> Literal["pending", "current", "finished"]:
        """Where stage ``index`` stands: the stage being handled is current until the units decided (a result or
        refusal letter asked for) or the dossier ended; then it is finished too."""
        if index < self.current_stage or (index == self.current_stage and (self.decided or self.ended)):
            return "finished"
        return "current" if index == self.current_stage else "pending"

    def task(self, task_id: UUID) -> PlanTask | None:
        return next((t for t in self.tasks if t.id == task_id), None)

    def active_tasks(self) -> list[PlanTask]:
        return [t for t in self.tasks if t.state.is_active]

    # -- mechanics -------------------------------------------------------------------

    def _add_documents(self, documents: tuple[DocumentRef, ...]) -> None:
        known = {d.document_id for d in self.documents}
        for document in documents:
            if document.document_id not in known:
                self.documents.append(document)
                known.add(document.document_id)

    def _active_task(self, task_id: UUID, *, allowed: tuple[TaskState, ...]) -> PlanTask:
        if self.ended:
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
        documents = tuple(self.documents)
        return Assigned(
            self._next(), task.id, task.key, task.stage, task.routing.unit_code, now, task.due_at, final, documents
        )

    def _finish(self, task: PlanTask, state: TaskState, now: datetime, reason: str | None) -> None:
        task.state = state
        task.finished_at = now
        task.reason = reason
        task.waiting = None

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
        payment: PaymentDue | None = None,
        result: DocumentRef | None = None,
    ) -> StatusChanged:
        previous, self.status = self.status, status
        unit = handling_unit if handling_unit is not None else self._active_units()
        self.handling_unit = unit
        delivery = self.result_delivery if result is not None and status is not DossierStatus.DENIED else None
        return StatusChanged(
            self._next(), status, previous, self.due_at, unit, reason, missing, payment, result, delivery
        )

    def _hand_to(self, status: DossierStatus, handling_unit: str | None = None) -> list[Effect]:
        """Move to ``status`` in the hands of ``handling_unit`` (default: the active tasks' units), announced only
        when one of them changed: a stage handed to the units that held the last one, or a result asked of the
        unit that already holds the dossier, is no news to the applicant or the portal."""
        unit = handling_unit if handling_unit is not None else self._active_units()
        if (status, unit) == (self.status, self.handling_unit):
            return []
        return [self._move_to(status, handling_unit=unit)]

    def _next(self) -> int:
        """The number of the next event: one more than the last the plan emitted."""
        self.sequence += 1
        return self.sequence

    def _active_units(self) -> str | None:
        units = sorted({t.routing.unit_code for t in self.tasks if t.state.is_active})
        return ", ".join(units) or None

    def _note(self, now: datetime, action: str, detail: str, task: PlanTask | None = None) -> None:
        unit = task.routing.unit_code if task else None
        self.audit.append(AuditEntry(now, action, detail, task.key if task else None, unit))
