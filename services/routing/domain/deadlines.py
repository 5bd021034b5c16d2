"""Due times of dossiers and tasks on the working-day calendar."""

from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from shared.reference.calendar import OFFICE_TIMEZONE, WorkingCalendar, due_at, paused_working_days_between


@dataclass(frozen=True)
class Deadlines:
    """Working-day arithmetic in the offices' time zone."""

    calendar: WorkingCalendar
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(OFFICE_TIMEZONE))

    def dossier_due(self, received_at: datetime, working_days: int, cutoff: str | None) -> datetime:
        """Due time of a dossier received (or received again, on restart) at ``received_at``."""
        limit = time.fromisoformat(cutoff) if cutoff else None
        return due_at(self.calendar, received_at, working_days, cutoff=limit, tz=self.zone)

    def task_due(self, assigned_at: datetime, working_days: int) -> datetime:
        """End of a task's own allowance, counted from the day it was assigned."""
        return due_at(self.calendar, assigned_at, working_days, tz=self.zone)

    def extend(self, due: datetime, working_days: int) -> datetime:
        """``due`` moved ``working_days`` working days later, same hour."""
        if working_days == 0:
            return due
        local = due.astimezone(self.zone)
        day = self.calendar.add_working_days(local.date(), working_days)
        return datetime.combine(day, local.timetz())

    def working_days_between(self, earlier: datetime, later: datetime) -> int:
        """Working days from the local day of ``earlier`` to that of ``later``."""
        return self.calendar.working_days_between(
            earlier.astimezone(self.zone).date(), later.astimezone(self.zone).date()
        )

    def paused_days(self, paused_at: datetime, resumed_at: datetime) -> int:
        """Working days a pause for supplements covered; they do not count."""
        return paused_working_days_between(self.calendar, paused_at, resumed_at, tz=self.zone)
