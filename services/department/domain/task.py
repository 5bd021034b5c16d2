"""A unit's task and the rules for acting on it.

An ``open`` task is the unit's to decide: approve or refuse it, ask the applicant for
supplements (it is then ``waiting`` until routing resumes it) or return it as not the
unit's competence. Routing may cancel a task that is not finished yet.

Every change bumps the task's ``version``; a clerk acts on the version they saw, so of
two clerks acting on one version only the first succeeds. Who holds a task while working
on it is the business of :mod:`claims <services.department.domain.claims>`.
An extension names a working day; the task is then due at the end of its office hours.
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from shared.contracts import TaskOutcome
from shared.reference.calendar import END_OF_OFFICE_DAY, OFFICE_TIMEZONE, CalendarRangeError, WorkingCalendar


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
    """The action is not allowed on the task in its current state; ``field`` names what is in the way."""

    def __init__(self, message: str, field: str = "status") -> None:
        super().__init__(message)
        self.field = field


class StaleVersionError(TaskActionError):
    """The clerk acted on a version of the task that is no longer current."""


def check_version(current: int, expected: int) -> None:
    """The clerk must act on the task as it is now."""
    if current != expected:
        raise StaleVersionError(f"task is at version {current}, not {expected}: reload it and try again", "If-Match")


def check_comment(text: str) -> str:
    """A comment says something."""
    cleaned = _clean(text)
    if cleaned is None:
        raise TaskActionError("a comment needs a text", "text")
    return cleaned


@dataclass(frozen=True)
class Completion:
    outcome: TaskOutcome
    reason: str | None


def complete(status: str, outcome: TaskOutcome, reason: str | None) -> Completion:
    """Check that an open task may be finished with ``outcome``; a refusal needs a reason."""
    _require_open(status)
    reason = _clean(reason)
    if outcome is TaskOutcome.REFUSED and reason is None:
        raise TaskActionError("a refusal needs a reason", "reason")
    return Completion(outcome, reason)


def check_supplement_request(
    status: str, missing: tuple[str, ...], *, asked_before: int = 0, once: bool = False
) -> tuple[str, ...]:
    """What an open task asks the applicant for: every item once, trimmed; at least one.

    Where the procedure allows one supplement request per dossier (``once``), a task that
    already asked may not ask again.
    """
    _require_open(status)
    if once and asked_before:
        raise TaskActionError(
            "this procedure allows one supplement request per dossier and this task already asked", "missing"
        )
    items = tuple(dict.fromkeys(item for item in map(_clean, missing) if item is not None))
    if not items:
        raise TaskActionError("a supplement request must say what is missing", "missing")
    return items


def check_return(status: str, reason: str) -> str:
    """The reason an open task is sent back as not the unit's competence; it is required."""
    _require_open(status)
    cleaned = _clean(reason)
    if cleaned is None:
        raise TaskActionError("returning a task needs a reason", "reason")
    return cleaned


class NotAWorkingDayError(ValueError):
    """An extension's new due date is not a working day, or lies outside the calendar."""


def extended_due(day: date, calendar: WorkingCalendar) -> datetime:
    """When a task extended to ``day`` is due: the end of that working day's office hours, office time."""
    try:
        working = calendar.is_working_day(day)
    except CalendarRangeError as error:
        raise NotAWorkingDayError(str(error)) from error
    if not working:
        raise NotAWorkingDayError(f"{day.isoformat()} is not a working day")
    return datetime.combine(day, END_OF_OFFICE_DAY, tzinfo=ZoneInfo(OFFICE_TIMEZONE))


def check_extension(status: str, current_due: datetime | None, new_due: datetime, reason: str) -> str:
    """An open or waiting task may get a later due time, with the reason for the apology letter."""
    require_unfinished(status)
    if current_due is not None and new_due <= current_due:
        raise TaskActionError(
            f"the new due time {new_due.isoformat()} is not after {current_due.isoformat()}", "new_due_date"
        )
    cleaned = _clean(reason)
    if cleaned is None:
        raise TaskActionError("an extension needs the reason given in the apology letter", "reason")
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


def require_unfinished(status: str) -> None:
    """Claims, extensions and reassignments need a task still open or waiting."""
    if TaskStatus(status).is_finished:
        raise TaskActionError(f"task is already {status}")


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None
