"""What a plan tells routing to announce: each effect becomes one event, numbered in the order it was made."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from shared.contracts import DocumentRef, DossierStatus, PaymentDue, ResultDelivery, ResultKind


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
    documents: tuple[DocumentRef, ...] = ()
    """Every document of the dossier so far, which the unit's clerks may read."""


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
    documents: tuple[DocumentRef, ...] = ()
    """The documents handed in since the task began to wait."""


@dataclass(frozen=True)
class StatusChanged(Numbered):
    status: DossierStatus
    previous: DossierStatus | None
    due_at: datetime
    handling_unit: str | None
    reason: str | None = None
    missing: tuple[str, ...] = ()
    payment: PaymentDue | None = None
    result: DocumentRef | None = None
    result_delivery: ResultDelivery | None = None


@dataclass(frozen=True)
class DueChanged(Numbered):
    """A task's due time moved without any act on it: its calendar changed (a closure, an override)."""

    task_id: UUID
    unit_code: str
    previous_due_at: datetime
    due_at: datetime
    reason: str


@dataclass(frozen=True)
class ResultAsked(Numbered):
    """The unit whose task ends the dossier is asked to issue the signed result or refusal letter."""

    task_id: UUID
    unit_code: str
    kind: ResultKind
    reason: str | None


@dataclass(frozen=True)
class ReturnAnnounced(Numbered):
    """The result the unit issued was returned to the applicant: its unit is told, for its on-time figures."""

    unit_code: str
    way: ResultDelivery
    due_at: datetime
    returned_at: datetime


Effect = Assigned | Cancelled | Resumed | StatusChanged | DueChanged | IdentityForwarded | ResultAsked | ReturnAnnounced
