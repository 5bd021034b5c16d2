"""A unit's task and the rules for acting on it.

An ``open`` task is the unit's to decide: approve or refuse it, ask the applicant for
supplements (it is then ``waiting`` until routing resumes it) or return it as not the
unit's competence. Routing may cancel a task that is not finished yet.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shared.contracts import TaskOutcome


class TaskStatus(StrEnum):
    OPEN = "open"
    WAITING = "waiting"
    """The unit asked for supplements; the task resumes when the applicant hands them in."""
    APPROVED = "approved"
    REFUSED = "refused"
    RETURNED = "returned"
    """Not the unit's competence; routing sends the work elsewhere."""
    CANCELLED = "cancelled"
    """Nobody needs it any more (withdrawal, refusal elsewhere)."""

    @property
    def is_finished(self) -> bool:
        return self not in (TaskStatus.OPEN, TaskStatus.WAITING)


class TaskActionError(ValueError):
    """The action is not allowed on the task in its current state."""


@dataclass(frozen=True)
class Completion:
    outcome: TaskOutcome
    reason: str | None


def complete(status: str, outcome: TaskOutcome, reason: str | None) -> Completion:
    """Check that an open task may be finished with ``outcome``; a refusal needs a reason."""
    _require_open(status)
    reason = _clean(reason)
    if outcome is TaskOutcome.REFUSED and reason is None:
        raise TaskActionError("a refusal needs a reason")
    return Completion(outcome, reason)


def check_supplement_request(status: str, missing: tuple[str, ...]) -> tuple[str, ...]:
    """What an open task asks the applicant for: every item once, trimmed; at least one."""
    _require_open(status)
    items = tuple(dict.fromkeys(item for item in map(_clean, missing) if item is not None))
    if not items:
        raise TaskActionError("a supplement request must say what is missing")
    return items


def check_return(status: str, reason: str) -> str:
    """The reason an open task is sent back as not the unit's competence; it is required."""
    _require_open(status)
    cleaned = _clean(reason)
    if cleaned is None:
        raise TaskActionError("returning a task needs a reason")
    return cleaned


def check_extension(status: str, current_due: datetime | None, new_due: datetime, reason: str) -> str:
    """An open or waiting task may get a later due time, with the reason for the apology letter."""
    if TaskStatus(status).is_finished:
        raise TaskActionError(f"task is already {status}")
    if current_due is not None and new_due <= current_due:
        raise TaskActionError(f"the new due time {new_due.isoformat()} is not after {current_due.isoformat()}")
    cleaned = _clean(reason)
    if cleaned is None:
        raise TaskActionError("an extension needs the reason given in the apology letter")
    return cleaned


def cancellable(status: str) -> bool:
    """Routing's cancellation closes a task still open or waiting; finished ones stay as they are."""
    return not TaskStatus(status).is_finished


def resumable(status: str) -> bool:
    """Only a task waiting for supplements resumes."""
    return TaskStatus(status) is TaskStatus.WAITING


def _require_open(status: str) -> None:
    current = TaskStatus(status)
    if current is TaskStatus.WAITING:
        raise TaskActionError("task is waiting for supplements")
    if current is not TaskStatus.OPEN:
        raise TaskActionError(f"task is already {current}")


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None
