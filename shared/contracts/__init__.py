"""Event contracts exchanged between the services, and the topics that carry them."""

from shared.contracts.events import (
    Applicant,
    DossierStatus,
    DossierStatusChanged,
    DossierSubmitted,
    Event,
    TaskAssigned,
    TaskCompleted,
    TaskOutcome,
)
from shared.contracts.topics import TOPICS, EventType, dead_letter_topic, event_type_of, topic_of

__all__ = [
    "TOPICS",
    "Applicant",
    "DossierStatus",
    "DossierStatusChanged",
    "DossierSubmitted",
    "Event",
    "EventType",
    "TaskAssigned",
    "TaskCompleted",
    "TaskOutcome",
    "dead_letter_topic",
    "event_type_of",
    "topic_of",
]
