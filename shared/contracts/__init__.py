"""Event contracts exchanged between the services, and the topics that carry them."""

from shared.contracts.events import (
    Applicant,
    DossierStatus,
    DossierStatusChanged,
    DossierSubmitted,
    DossierSupplemented,
    DossierWithdrawn,
    Event,
    TaskAssigned,
    TaskCancelled,
    TaskCompleted,
    TaskExtended,
    TaskOutcome,
    TaskResumed,
    TaskReturned,
    TaskSupplementRequested,
)
from shared.contracts.topics import TOPICS, EventType, dead_letter_topic, event_type_of, topic_of

__all__ = [
    "TOPICS",
    "Applicant",
    "DossierStatus",
    "DossierStatusChanged",
    "DossierSubmitted",
    "DossierSupplemented",
    "DossierWithdrawn",
    "Event",
    "EventType",
    "TaskAssigned",
    "TaskCancelled",
    "TaskCompleted",
    "TaskExtended",
    "TaskOutcome",
    "TaskResumed",
    "TaskReturned",
    "TaskSupplementRequested",
    "dead_letter_topic",
    "event_type_of",
    "topic_of",
]
