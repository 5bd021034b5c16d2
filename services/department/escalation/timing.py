"""When each step of an overdue task's ladder falls: the rules, in plain Python.

- Step ``n`` falls ``after_working_hours`` of office time (:class:`OfficeTime`) after the
  instant the task became overdue: a task overdue on Friday at 17:00 reaches an 8-hour step
  on Monday at 17:00, not on Saturday at 01:00.
- Steps are taken in order, each once; when several are due at one look, all are taken,
  lowest first.
- A task that is finished, waits for supplements, or is no longer past its due time (an
  extension with an apology letter gave it a new date) takes no step; the ladder stops there.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from services.department.deadlines.office_time import OfficeTime
from shared.reference.escalation import Step


@dataclass(frozen=True)
class DueStep:
    """A step and the instant it falls."""

    step: Step
    at: datetime


@dataclass(frozen=True)
class Look:
    """The steps to take now, and when to look again (None: the ladder is done or stopped)."""

    take: tuple[DueStep, ...]
    next_at: datetime | None


def step_at(office: OfficeTime, overdue_at: datetime, step: Step) -> datetime:
    """The instant ``step`` falls for a task overdue since ``overdue_at``."""
    return office.after(overdue_at, step.after_working_hours * 3600)


def look(
    office: OfficeTime,
    ladder: Sequence[Step],
    *,
    overdue_at: datetime,
    next_step: int,
    escalating: bool,
    now: datetime,
) -> Look:
    """The steps from ``next_step`` on that have fallen at ``now``, and when the next one falls."""
    if not escalating:
        return Look((), None)
    take: list[DueStep] = []
    for step in ladder:
        if step.step < next_step:
            continue
        at = step_at(office, overdue_at, step)
        if at > now:
            return Look(tuple(take), at)
        take.append(DueStep(step, at))
    return Look(tuple(take), None)
