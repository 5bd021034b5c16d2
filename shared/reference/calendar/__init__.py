"""Working-day calendar for Vietnamese administrative deadlines.

``default_calendar()`` gives Vietnam's calendar (``holidays`` package + ``overrides.yaml``);
``WorkingCalendar`` does the day arithmetic; ``effective_receipt_day``, ``due_at`` and
``paused_working_days_between`` turn receipt instants into due instants.
"""

from shared.reference.calendar.deadlines import (
    END_OF_OFFICE_DAY,
    OFFICE_TIMEZONE,
    due_at,
    effective_receipt_day,
    paused_working_days_between,
)
from shared.reference.calendar.override_file import OVERRIDES_FILE, OverrideFileError, load_overrides
from shared.reference.calendar.overrides import DayOverride, OverrideKind
from shared.reference.calendar.vietnam import DEFAULT_YEARS, default_calendar, load_vietnam_calendar, vietnam_calendar
from shared.reference.calendar.working_days import CalendarRangeError, WorkingCalendar, is_weekend

__all__ = [
    "DEFAULT_YEARS",
    "END_OF_OFFICE_DAY",
    "OFFICE_TIMEZONE",
    "OVERRIDES_FILE",
    "CalendarRangeError",
    "DayOverride",
    "OverrideFileError",
    "OverrideKind",
    "WorkingCalendar",
    "default_calendar",
    "due_at",
    "effective_receipt_day",
    "is_weekend",
    "load_overrides",
    "load_vietnam_calendar",
    "paused_working_days_between",
    "vietnam_calendar",
]
