"""The tasks of a plan: one unit's share of the dossier, where it stands, and what it waits for."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from shared.contracts import PaymentDue


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


WaitKind = Literal["supplement", "payment"]


@dataclass
class Wait:
    """What a waiting task waits for: supplements, or a financial obligation paid."""

    kind: WaitKind
    since: datetime
    pauses: bool
    """Whether the dossier's clock stops while it waits (supplements always; payments as the procedure says)."""
    documents_seen: int
    """How many of the dossier's documents there were when it began: the later ones are handed in since."""
    missing: tuple[str, ...] = ()
    payment: PaymentDue | None = None


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
    waiting: Wait | None = None
    """Set while the task waits; None on a task left waiting for supplements by a plan stored before waits had kinds."""
