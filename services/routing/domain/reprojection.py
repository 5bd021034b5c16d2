"""Re-projecting a due date onto another calendar: the same working days from its start.

Every due date routing holds was counted in working days from a start (the dossier's
receipt, the task's assignment), pauses for supplements and extensions included. When the
calendar changes (an override added, a closure declared, ended or extended), the due date
keeps the number of working days between its start and itself, counted on the old
calendar, and lands where that many working days from the start fall on the new one, at
the same hour. On equal calendars nothing moves, and re-projecting back (a closure ended
before it began) gives the original due date again.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from shared.reference.calendar import OFFICE_TIMEZONE, WorkingCalendar


@dataclass(frozen=True)
class Reprojection:
    """From the calendar a plan's due dates were counted on (``old``) to the one in force (``new``)."""

    old: WorkingCalendar
    new: WorkingCalendar
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(OFFICE_TIMEZONE))

    @property
    def changes_anything(self) -> bool:
        return self.old != self.new

    def due(self, start: datetime, due: datetime) -> datetime:
        """``due``, counted from ``start`` on the old calendar, counted again on the new one."""
        first, local = start.astimezone(self.zone).date(), due.astimezone(self.zone)
        if local.date() <= first:
            return due
        count = self.old.working_days_between(first, local.date())
        # A due day that is not a working day (an extension to a chosen date) keeps its distance
        # from the working day before it, so that equal calendars move nothing.
        past_last_working = local.date() - self.old.add_working_days(first, count) if count else timedelta(0)
        day = self.new.add_working_days(first, count) + past_last_working if count else local.date()
        return datetime.combine(day, local.timetz()) if day != local.date() else due
