"""The streams: one versioned topic per producer → consumer relationship, keyed by dossier id.

This table is the one place that shows the whole flow. Each stream carries several event
types, told apart by the CloudEvents ``ce_type`` header; events of one dossier that a
consumer must apply in order travel on one stream, so their order holds by construction
(an assignment can no longer be overtaken by its cancellation).

=============================  ============  ======================  =========================================
stream (topic)                 producer      consumers               events (ce_type ``vn.lienthong.<name>``)
=============================  ============  ======================  =========================================
``intake.dossiers.v1``         intake        routing                 dossier.submitted, .supplemented, .withdrawn,
                                                                     .identity-changed, .filed, .not-accepted, .paid,
                                                                     .result-returned
``routing.task-orders.v1``     routing       department              task.assigned, .cancelled, .resumed, .due-changed,
                                                                     .identity-changed, task.result-requested,
                                                                     result.returned
``department.task-outcomes.v1`` department   routing                 task.completed, .supplement-requested,
                                                                     .returned, .extended, .payment-requested,
                                                                     result.issued
``department.task-deadlines.v1`` department  notification            task.deadline, task.escalated
``routing.dossier-status.v1``  routing       intake, notification    dossier.status-changed
``<service>.journal-seals.v1`` each service  department              journal.day-sealed
=============================  ============  ======================  =========================================

The journal-seal streams are one per sealing service, keyed by the service's name, and carry
the same event type: events about a service itself (:class:`ServiceEvent`) travel on their
producer's own stream of that type (:func:`stream_for`).
"""

from dataclasses import dataclass

from shared.contracts.events import (
    BaseEvent,
    DossierIdentityChanged,
    DossierStatusChanged,
    DossierSubmitted,
    DossierSupplemented,
    DossierWithdrawn,
    ServiceEvent,
    TaskAssigned,
    TaskCancelled,
    TaskCompleted,
    TaskDeadlineReached,
    TaskEscalated,
    TaskExtended,
    TaskIdentityChanged,
    TaskResumed,
    TaskReturned,
    TaskSupplementRequested,
)
from shared.contracts.journal_events import SEALING_SERVICES, JournalDaySealed
from shared.contracts.onestop_events import (
    DossierFiled,
    DossierNotAccepted,
    DossierPaid,
    DossierResultReturned,
    ResultIssued,
    ResultRequested,
    ResultReturned,
    TaskPaymentRequested,
)
from shared.contracts.reprojection_events import TaskDueChanged

CE_TYPE_PREFIX = "vn.lienthong."


@dataclass(frozen=True)
class EventType:
    """One versioned event type: its name and the CloudEvents ``type`` it is sent as."""

    model: type[BaseEvent]
    name: str

    @property
    def ce_type(self) -> str:
        return CE_TYPE_PREFIX + self.name


@dataclass(frozen=True)
class Stream:
    """One topic (without prefix) from one producer to its consumers, with the event types it carries."""

    topic: str
    producer: str
    consumers: tuple[str, ...]
    events: tuple[EventType, ...]
    description: str

    def carries(self, ce_type: str) -> EventType | None:
        """The event type sent as ``ce_type`` on this stream, or None when the stream does not carry it."""
        return next((t for t in self.events if t.ce_type == ce_type), None)


DOSSIER_INTAKE = Stream(
    "intake.dossiers.v1",
    producer="intake",
    consumers=("routing",),
    events=(
        EventType(DossierSubmitted, "dossier.submitted.v1"),
        EventType(DossierSupplemented, "dossier.supplemented.v1"),
        EventType(DossierWithdrawn, "dossier.withdrawn.v1"),
        EventType(DossierIdentityChanged, "dossier.identity-changed.v1"),
        EventType(DossierFiled, "dossier.filed.v1"),
        EventType(DossierNotAccepted, "dossier.not-accepted.v1"),
        EventType(DossierPaid, "dossier.paid.v1"),
        EventType(DossierResultReturned, "dossier.result-returned.v1"),
    ),
    description="What the applicant did at intake: filed, supplemented or withdrew a dossier, paid an obligation,"
    " received the result; the applicant's identity changed (a pending check answered, a receiver's decision); a"
    " receiver refused to accept a filed dossier.",
)
TASK_ORDERS = Stream(
    "routing.task-orders.v1",
    producer="routing",
    consumers=("department",),
    events=(
        EventType(TaskAssigned, "task.assigned.v1"),
        EventType(TaskCancelled, "task.cancelled.v1"),
        EventType(TaskResumed, "task.resumed.v1"),
        EventType(TaskDueChanged, "task.due-changed.v1"),
        EventType(TaskIdentityChanged, "task.identity-changed.v1"),
        EventType(ResultRequested, "task.result-requested.v1"),
        EventType(ResultReturned, "result.returned.v1"),
    ),
    description="Routing's orders to the units: a task assigned, cancelled or resumed; the dossier's identity"
    " changed under an open task; issue the dossier's signed result or refusal letter; the result was returned.",
)
TASK_OUTCOMES = Stream(
    "department.task-outcomes.v1",
    producer="department",
    consumers=("routing",),
    events=(
        EventType(TaskCompleted, "task.completed.v1"),
        EventType(TaskSupplementRequested, "task.supplement-requested.v1"),
        EventType(TaskReturned, "task.returned.v1"),
        EventType(TaskExtended, "task.extended.v1"),
        EventType(TaskPaymentRequested, "task.payment-requested.v1"),
        EventType(ResultIssued, "result.issued.v1"),
    ),
    description="What a unit's clerks decided on a task: completed, supplements asked, returned, extended, a"
    " financial obligation notified; the signed result or refusal letter issued.",
)
TASK_DEADLINES = Stream(
    "department.task-deadlines.v1",
    producer="department",
    consumers=("notification",),
    events=(
        EventType(TaskDeadlineReached, "task.deadline.v1"),
        EventType(TaskEscalated, "task.escalated.v1"),
    ),
    description="A task reached a deadline mark (warning or overdue), once per task and kind; an overdue task"
    " reached a step of its escalation ladder, once per task and step.",
)
DOSSIER_STATUS = Stream(
    "routing.dossier-status.v1",
    producer="routing",
    consumers=("intake", "notification"),
    events=(EventType(DossierStatusChanged, "dossier.status-changed.v1"),),
    description="Every status change of a dossier, with what the applicant and the national portal need.",
)

DAY_SEALED = EventType(JournalDaySealed, "journal.day-sealed.v1")
JOURNAL_SEALS: dict[str, Stream] = {
    service: Stream(
        f"{service}.journal-seals.v1",
        producer=service,
        consumers=("department",),
        events=(DAY_SEALED,),
        description=f"Each closed local day of the {service} journal, sealed: the root over its chains' heads.",
    )
    for service in SEALING_SERVICES
}
"""Each sealing service's stream of its day seals; the department, which keeps the board, reads them all."""

DOSSIER_STREAMS = (DOSSIER_INTAKE, TASK_ORDERS, TASK_OUTCOMES, TASK_DEADLINES, DOSSIER_STATUS)
STREAMS: tuple[Stream, ...] = (*DOSSIER_STREAMS, *JOURNAL_SEALS.values())

_STREAM_OF = {t.model: s for s in DOSSIER_STREAMS for t in s.events}
_TYPE_OF = {t.model: t for s in STREAMS for t in s.events}


def stream_of(model: type[BaseEvent]) -> Stream:
    """The stream that carries events of ``model`` (a dossier event: each type travels on one stream)."""
    return _STREAM_OF[model]


def stream_for(event: BaseEvent) -> Stream:
    """The stream ``event`` travels on: its type's, or for an event about a service, that service's stream of it."""
    if isinstance(event, ServiceEvent):
        ce_type = event_type_of(type(event)).ce_type
        found = next((s for s in STREAMS if s.producer == event.service and s.carries(ce_type)), None)
        if found is None:
            raise LookupError(f"{event.service} has no stream of {ce_type}")
        return found
    return _STREAM_OF[type(event)]


def event_type_of(model: type[BaseEvent]) -> EventType:
    return _TYPE_OF[model]


def topic_of(model: type[BaseEvent], prefix: str = "") -> str:
    """The topic (with the deployment's prefix) that carries events of ``model`` (a dossier event)."""
    return prefix + _STREAM_OF[model].topic


DEAD_LETTER_SUFFIX = ".dlq"


def dead_letter_topic(topic: str) -> str:
    return topic + DEAD_LETTER_SUFFIX
