"""What a clerk is told of a deadline: the facts each channel's clerk template renders.

Deadline events carry no personal data, and neither do these facts: the dossier code, the
unit, the times, the step. The clerk opens the task in the clerk API for the rest.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from services.notification.domain.messages import OFFICE_ZONE
from shared.contracts import DeadlineKind, TaskDeadlineReached, TaskEscalated
from shared.reference.units import find_unit

Kind = Literal["warning", "escalation"]
WARNING: Kind = "warning"
ESCALATION: Kind = "escalation"


@dataclass(frozen=True)
class ClerkMessageFacts:
    """One deadline event as a clerk reads it, in the clerk's language."""

    language: str
    kind: Kind
    dossier_code: str
    task_id: str
    unit_code: str
    unit_name: str
    due_at: datetime
    reached_at: datetime
    """When the warning mark was reached, or when the task took the step."""
    claimed_by: str | None
    step: int | None = None
    audience: str | None = None
    overdue_at: datetime | None = None


def _unit_name(code: str, language: str) -> str:
    unit = find_unit(code)
    if unit is None:
        return code
    return unit.name_vi if language == "vi" else unit.name_en


def is_warning(event: TaskDeadlineReached) -> bool:
    """Clerks hear of the warning mark; the overdue mark climbs the ladder instead (its step 1 tells them)."""
    return event.kind is DeadlineKind.WARNING


def warning_facts(event: TaskDeadlineReached, language: str) -> ClerkMessageFacts:
    return _facts(event, language, WARNING, event.reached_at)


def escalation_facts(event: TaskEscalated, language: str) -> ClerkMessageFacts:
    overdue_at = event.overdue_at.astimezone(OFFICE_ZONE)
    return _facts(event, language, ESCALATION, event.escalated_at, event.step, event.audience, overdue_at)


def _facts(
    event: TaskDeadlineReached | TaskEscalated,
    language: str,
    kind: Kind,
    reached_at: datetime,
    *step: Any,
) -> ClerkMessageFacts:
    return ClerkMessageFacts(
        language,
        kind,
        event.dossier_code,
        str(event.task_id),
        event.unit_code,
        _unit_name(event.unit_code, language),
        event.due_at.astimezone(OFFICE_ZONE),
        reached_at.astimezone(OFFICE_ZONE),
        event.claimed_by,
        *step,
    )
