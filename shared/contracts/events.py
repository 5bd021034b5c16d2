"""Events of a dossier's life, as they travel on Kafka (the CloudEvents ``data``), and the base of every event.

Every event is frozen and named in the past tense. ``dossier_id`` is the Kafka key,
so all events of one dossier are ordered on one partition.

A partition's order does not survive a replay from a dead-letter topic, a republished
event or a redelivery after a rebalance, so the events whose consumers keep a copy of the
producer's state (routing's status changes and task orders) also carry a per-dossier
``sequence``: a consumer applies one only if it is newer than what it holds
(:func:`is_newer`).
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.documents import DocumentRef, PaymentDue, ResultDelivery
from shared.contracts.identity import DossierIdentity


class BaseEvent(BaseModel):
    """Base of every event: frozen, no unknown fields, and what it is keyed by and about."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @property
    def key(self) -> str:
        """The Kafka key: the events of one key stay in order on one partition."""
        raise NotImplementedError

    @property
    def subject(self) -> str:
        """What the event is about (the CloudEvents ``subject``)."""
        raise NotImplementedError


class Event(BaseEvent):
    """Base of the events of a dossier's life: identifies the dossier it belongs to."""

    dossier_id: UUID = Field(description="Internal id of the dossier; the Kafka key.")
    dossier_code: str = Field(description="Circular 01/2018 code, e.g. 000.00.15.H40-250814-0001.")

    @property
    def key(self) -> str:
        return str(self.dossier_id)

    @property
    def subject(self) -> str:
        return self.dossier_code


class ServiceEvent(BaseEvent):
    """Base of the events about a service itself, concerning no dossier (e.g. its journal's day seal).

    Each producing service sends them on its own stream, keyed by its name.
    """

    service: str = Field(min_length=1, description="The service that produced it; the Kafka key.")

    @property
    def key(self) -> str:
        return self.service

    @property
    def subject(self) -> str:
        return f"service:{self.service}"


class SequencedEvent(Event):
    """An event whose consumers keep a copy of the producer's state: numbered per dossier by the producer."""

    sequence: int | None = Field(
        default=None,
        ge=1,
        description="The producer's number of this event among all it emitted for the dossier (1, 2, 3, ..., "
        "each once): a consumer applies the event only if the number is higher than the last it applied. "
        "Always set by the producer; absent only on events published before events were numbered "
        "(unknown sequence, older than any numbered event).",
    )


def is_newer(sequence: int | None, applied: int) -> bool:
    """Whether an event numbered ``sequence`` is newer than what its consumer holds.

    ``applied`` is the number of the last numbered event the consumer applied (for the dossier,
    or the task), 0 when it applied none. An event of unknown sequence (``None``) was published
    before events were numbered, so it is older than any numbered one; against none it cannot be
    placed and counts as newer, as every event did before (a consumer may refuse it on its own
    state, e.g. intake never leaves a final status on it).
    """
    if sequence is None:
        return applied == 0
    return sequence > applied


class Channel(StrEnum):
    """A way to reach the applicant."""

    SMS = "sms"
    EMAIL = "email"
    ZALO = "zalo"


class Applicant(BaseModel):
    """The citizen or business that filed the dossier, and how to reach them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    citizen_id: str = Field(pattern=r"^\d{12}$", description="12-digit citizen identity number.")
    full_name: str = Field(min_length=1, max_length=200)
    date_of_birth: date | None = Field(default=None, description="Checked against the citizen ID and population DB.")
    phone: str | None = Field(default=None, pattern=r"^\+?\d{9,15}$")
    email: str | None = Field(default=None, max_length=254)
    zalo_user_id: str | None = Field(
        default=None, max_length=64, description="The applicant's id with the province's Zalo Official Account."
    )
    channels: tuple[Channel, ...] = Field(
        default=(),
        description="How the applicant wants to be told, in order of preference; empty means every channel "
        "for which a contact is given.",
    )
    language: Literal["vi", "en"] = Field(default="vi", description="Language of the messages.")


class DossierStatus(StrEnum):
    """Status of a dossier; ``portal_code`` is the National Public Service Portal's code."""

    NEW = "new"
    RECEIVING = "receiving"
    UNRESOLVED = "unresolved"
    PROCESSING = "processing"
    WAITING = "waiting"
    PAYING = "paying"
    CANCELLED = "cancelled"
    DENIED = "denied"
    RELEASING = "releasing"
    DONE = "done"
    OTHER = "other"

    @property
    def portal_code(self) -> int:
        return list(DossierStatus).index(self) + 1

    @property
    def is_final(self) -> bool:
        """Nothing follows: withdrawn, refused, returned, or not accepted at receipt."""
        return self in (DossierStatus.UNRESOLVED, DossierStatus.CANCELLED, DossierStatus.DENIED, DossierStatus.DONE)


class DossierSubmitted(Event):
    """A complete dossier was received at a centre or through a portal."""

    procedure_code: str = Field(description="National procedure code, e.g. 1.001193.")
    applicant: Applicant
    receiving_agency: str = Field(description="Electronic id of the receiving centre.")
    commune_code: str = Field(description="5-digit code of the commune the dossier concerns.")
    province_code: str = Field(description="2-digit code of that commune's province.")
    received_at: datetime
    due_at: datetime = Field(description="End of the statutory time, in working days from complete receipt.")
    client_id: str = Field(description="Integrator or counter that filed it.")
    components: tuple[str, ...] = Field(
        default=(), description="Parts of an inter-connected procedure the applicant chose (required ones included)."
    )
    portal_dossier_id: str | None = Field(
        default=None, description="The National Public Service Portal's own id, for a dossier the portal pushed in."
    )
    identity: DossierIdentity | None = Field(
        default=None,
        description="The applicant's identity at receipt; None on dossiers filed before it travelled (unchecked).",
    )
    documents: tuple[DocumentRef, ...] = Field(
        default=(), description="The papers handed in (and receipts of fees paid at receipt), by reference."
    )
    result_delivery: ResultDelivery = Field(
        default=ResultDelivery.COUNTER, description="How the applicant chose to receive the result."
    )


class DossierIdentityChanged(Event):
    """The applicant's identity changed: a pending check was answered, or a receiver of the centre decided."""

    identity: DossierIdentity
    reason: str | None = Field(
        default=None, max_length=2000, description="Why the receiver refused, told the applicant; None otherwise."
    )
    changed_at: datetime


class DossierSupplemented(Event):
    """The applicant handed in what a supplement request asked for; the waiting task resumes."""

    documents: tuple[DocumentRef, ...] = Field(min_length=1, description="What was handed in, stored documents.")
    note: str | None = None
    supplemented_at: datetime


class DossierWithdrawn(Event):
    """The applicant withdrew the dossier; everything still open is cancelled."""

    reason: str
    withdrawn_at: datetime


class TaskAssigned(SequencedEvent):
    """Routing gave one unit a task on the dossier."""

    task_id: UUID
    task_key: str = Field(description="The task's key in the procedure's plan, e.g. register-birth.")
    stage: int = Field(ge=0, description="Index of the plan stage the task belongs to.")
    unit_code: str
    procedure_code: str
    assigned_at: datetime
    due_at: datetime = Field(description="End of the task's own working-day allowance.")
    final_stage: bool = Field(
        default=False, description="Whether the task belongs to the plan's last stage, whose approval ends the dossier."
    )
    identity: DossierIdentity | None = Field(
        default=None, description="The applicant's identity as routing holds it; None: unchecked (older events)."
    )
    documents: tuple[DocumentRef, ...] = Field(
        default=(), description="The dossier's documents the unit's clerks may read (download through the department)."
    )


class TaskSupplementRequested(Event):
    """A unit needs more from the applicant before it can decide; the clock stops."""

    task_id: UUID
    unit_code: str
    missing: tuple[str, ...] = Field(min_length=1, description="Everything missing, in one request.")
    requested_by: str
    requested_at: datetime


class TaskReturned(Event):
    """A unit sent its task back as not its competence; routing re-routes it."""

    task_id: UUID
    unit_code: str
    reason: str
    returned_by: str
    returned_at: datetime


class TaskExtended(Event):
    """A unit cannot finish on time and set a new due time, with an apology to the applicant (Form 04)."""

    task_id: UUID
    unit_code: str
    previous_due_at: datetime
    new_due_at: datetime
    reason: str = Field(description="Why the unit is late, as written in the apology letter.")
    extended_by: str
    extended_at: datetime


class DeadlineKind(StrEnum):
    """Which deadline mark a task reached."""

    WARNING = "warning"
    """The task has used the configured share (75% by default) of its allowance."""
    OVERDUE = "overdue"
    """The task's due time passed before it was finished."""


class TaskDeadlineReached(Event):
    """A task reached a deadline mark; sent once per task and kind."""

    task_id: UUID
    unit_code: str
    kind: DeadlineKind
    assigned_at: datetime
    due_at: datetime
    reached_at: datetime
    claimed_by: str | None = Field(
        default=None, description="The clerk holding the task when the mark was reached (None: unclaimed)."
    )


class TaskEscalated(Event):
    """An overdue task reached a step of its province's escalation ladder; sent once per task and step."""

    task_id: UUID
    unit_code: str
    step: int = Field(ge=1, description="The step of the ladder, 1 first.")
    audience: str = Field(
        description="Who the step tells: unit-supervisors, unit-head or province-one-stop (escalation.yaml)."
    )
    ladder_version: str
    due_at: datetime
    overdue_at: datetime
    escalated_at: datetime
    claimed_by: str | None = Field(default=None, description="The clerk holding the task, if any.")


class TaskCancelled(SequencedEvent):
    """Routing closed a task nobody needs any more (refusal elsewhere, withdrawal)."""

    task_id: UUID
    unit_code: str
    reason: str
    cancelled_at: datetime


class TaskResumed(SequencedEvent):
    """A task waiting for supplements is open again, with its due time moved."""

    task_id: UUID
    unit_code: str
    due_at: datetime
    resumed_at: datetime
    documents: tuple[DocumentRef, ...] = Field(
        default=(), description="Documents handed in since the task waited (supplements, a payment receipt)."
    )


class TaskIdentityChanged(SequencedEvent):
    """Routing forwards a newer identity state of the dossier to the unit of one of its open tasks."""

    task_id: UUID
    unit_code: str
    identity: DossierIdentity
    changed_at: datetime


class TaskOutcome(StrEnum):
    """How a unit finished its task."""

    APPROVED = "approved"
    REFUSED = "refused"


class TaskCompleted(Event):
    """A unit finished its task on the dossier."""

    task_id: UUID
    unit_code: str
    outcome: TaskOutcome
    reason: str | None = Field(default=None, description="Required when refused.")
    completed_by: str
    completed_at: datetime


class DossierStatusChanged(SequencedEvent):
    """The dossier moved to a new status; carries what the applicant and portal need."""

    status: DossierStatus
    previous_status: DossierStatus | None
    procedure_code: str
    applicant: Applicant
    received_at: datetime
    due_at: datetime
    handling_unit: str | None = None
    reason: str | None = None
    missing: tuple[str, ...] = Field(default=(), description="What the applicant must hand in, when waiting.")
    changed_at: datetime
    portal_dossier_id: str | None = Field(
        default=None, description="The National Public Service Portal's own id, for a dossier the portal pushed in."
    )
    receiving_agency: str | None = Field(default=None, description="The centre that received the dossier.")
    result_delivery: ResultDelivery | None = Field(
        default=None, description="How the applicant chose to receive the result (set on releasing and done)."
    )
    result: DocumentRef | None = Field(
        default=None,
        description="The signed result (releasing, done) or refusal letter (denied) the applicant receives.",
    )
    payment: PaymentDue | None = Field(default=None, description="What to pay, when paying (portal code 6).")
