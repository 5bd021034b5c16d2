"""The streams: one versioned topic per producer → consumer relationship, keyed by dossier id.

This table is the one place that shows the whole flow. Each stream carries several event
types, told apart by the CloudEvents ``ce_type`` header; events of one dossier that a
consumer must apply in order travel on one stream, so their order holds by construction
(an assignment can no longer be overtaken by its cancellation).

=============================  ============  ======================  =========================================
stream (topic)                 producer      consumers               events (ce_type ``vn.lienthong.<name>``)
=============================  ============  ======================  =========================================
``intake.dossiers.v1``         intake        routing                 dossier.submitted, .supplemented, .withdrawn
``routing.task-orders.v1``     routing       department              task.assigned, .cancelled, .resumed
``department.task-outcomes.v1`` department   routing                 task.completed, .supplement-requested,
                                                                     .returned, .extended
``department.task-deadlines.v1`` department  (none yet)              task.deadline
``routing.dossier-status.v1``  routing       intake, notification    dossier.status-changed
=============================  ============  ======================  =========================================
"""

from dataclasses import dataclass

from shared.contracts.events import (
    DossierStatusChanged,
    DossierSubmitted,
    DossierSupplemented,
    DossierWithdrawn,
    Event,
    TaskAssigned,
    TaskCancelled,
    TaskCompleted,
    TaskDeadlineReached,
    TaskExtended,
    TaskResumed,
    TaskReturned,
    TaskSupplementRequested,
)

CE_TYPE_PREFIX = "vn.lienthong."


@dataclass(frozen=True)
class EventType:
    """One versioned event type: its name and the CloudEvents ``type`` it is sent as."""

    model: type[Event]
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
    ),
    description="What the applicant did at intake: filed, supplemented or withdrew a dossier.",
)
TASK_ORDERS = Stream(
    "routing.task-orders.v1",
    producer="routing",
    consumers=("department",),
    events=(
        EventType(TaskAssigned, "task.assigned.v1"),
        EventType(TaskCancelled, "task.cancelled.v1"),
        EventType(TaskResumed, "task.resumed.v1"),
    ),
    description="Routing's orders to the units: a task assigned, cancelled or resumed.",
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
    ),
    description="What a unit's clerks decided on a task: completed, supplements asked, returned, extended.",
)
TASK_DEADLINES = Stream(
    "department.task-deadlines.v1",
    producer="department",
    consumers=(),
    events=(EventType(TaskDeadlineReached, "task.deadline.v1"),),
    description="A task reached a deadline mark (warning or overdue), once per task and kind.",
)
DOSSIER_STATUS = Stream(
    "routing.dossier-status.v1",
    producer="routing",
    consumers=("intake", "notification"),
    events=(EventType(DossierStatusChanged, "dossier.status-changed.v1"),),
    description="Every status change of a dossier, with what the applicant and the national portal need.",
)

STREAMS: tuple[Stream, ...] = (DOSSIER_INTAKE, TASK_ORDERS, TASK_OUTCOMES, TASK_DEADLINES, DOSSIER_STATUS)

_STREAM_OF = {t.model: s for s in STREAMS for t in s.events}
_TYPE_OF = {t.model: t for s in STREAMS for t in s.events}


def stream_of(model: type[Event]) -> Stream:
    """The stream that carries events of ``model``."""
    return _STREAM_OF[model]


def event_type_of(model: type[Event]) -> EventType:
    return _TYPE_OF[model]


def topic_of(model: type[Event], prefix: str = "") -> str:
    """The topic (with the deployment's prefix) that carries events of ``model``."""
    return prefix + _STREAM_OF[model].topic


DEAD_LETTER_SUFFIX = ".dlq"


def dead_letter_topic(topic: str) -> str:
    return topic + DEAD_LETTER_SUFFIX
