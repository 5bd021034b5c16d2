"""Which topic carries which event, and the CloudEvents type it is sent as."""

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


@dataclass(frozen=True)
class EventType:
    """One versioned event type: its topic (without prefix) and CloudEvents ``type``."""

    model: type[Event]
    topic: str

    @property
    def ce_type(self) -> str:
        return f"vn.lienthong.{self.topic}"


TOPICS: tuple[EventType, ...] = (
    EventType(DossierSubmitted, "dossier.submitted.v1"),
    EventType(TaskAssigned, "task.assigned.v1"),
    EventType(TaskCompleted, "task.completed.v1"),
    EventType(DossierStatusChanged, "dossier.status-changed.v1"),
    EventType(DossierSupplemented, "dossier.supplemented.v1"),
    EventType(DossierWithdrawn, "dossier.withdrawn.v1"),
    EventType(TaskSupplementRequested, "task.supplement-requested.v1"),
    EventType(TaskReturned, "task.returned.v1"),
    EventType(TaskExtended, "task.extended.v1"),
    EventType(TaskDeadlineReached, "task.deadline.v1"),
    EventType(TaskCancelled, "task.cancelled.v1"),
    EventType(TaskResumed, "task.resumed.v1"),
)

_BY_MODEL = {t.model: t for t in TOPICS}


def event_type_of(model: type[Event]) -> EventType:
    return _BY_MODEL[model]


def topic_of(model: type[Event], prefix: str = "") -> str:
    return prefix + _BY_MODEL[model].topic


DEAD_LETTER_SUFFIX = ".dlq"


def dead_letter_topic(topic: str) -> str:
    return topic + DEAD_LETTER_SUFFIX
