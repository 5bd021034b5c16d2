"""Working time: the office hours of working days, in the offices' time zone.

A task's allowance is a number of working days, so the time a clerk can actually use
is office hours on working days: nights, weekends and holidays (Tết's nine days) do
not count. Office hours run from ``opens`` to ``closes`` (08:00-17:00 by default; the
lunch break is not taken out, it is the same share of every day).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.reference.calendar import END_OF_OFFICE_DAY, OFFICE_TIMEZONE, WorkingCalendar

START_OF_OFFICE_DAY = time(8, 0)
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class OfficeTime:
    """Office hours on the working days of ``calendar``; instants must be timezone-aware."""

    calendar: WorkingCalendar
    opens: time = START_OF_OFFICE_DAY
    closes: time = END_OF_OFFICE_DAY
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(OFFICE_TIMEZONE))

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise ValueError(f"office hours must open before they close, got {self.opens}-{self.closes}")

    def seconds_between(self, start: datetime, end: datetime) -> float:
        """Office seconds in ``[start, end]``; 0 when ``end`` is not after ``start``."""
        day, last = self._local_day(start), self._local_day(end)
        if end <= start:
            return 0.0
        total = 0.0
        while day <= last:
            for opens, closes in self._hours(day):
                overlap = min(closes, end) - max(opens, start)
                total += max(overlap.total_seconds(), 0.0)
            day += _DAY
        return total

    def back_from(self, end: datetime, seconds: float) -> datetime:
        """The earliest instant from which only ``seconds`` of office time remain until ``end``.

        Going back over a night or a holiday costs no office time, so when the count ends
        exactly at an opening hour the answer is the previous working day's closing time.
        """
        if seconds < 0:
            raise ValueError(f"seconds must be >= 0, got {seconds}")
        left = timedelta(seconds=seconds)
        for opens, closes in self._hours_backwards(end):
            length = closes - opens
            if length > left:
                return closes - left
            left -= length
        raise AssertionError("unreachable: the calendar's range error ends the walk")

    def after(self, start: datetime, seconds: float) -> datetime:
        """The instant at which ``seconds`` of office time have passed since ``start`` (``start`` when 0).

        A count that ends exactly at a closing hour ends there, not at the next opening.
        """
        if seconds < 0:
            raise ValueError(f"seconds must be >= 0, got {seconds}")
        left = timedelta(seconds=seconds)
        if not left:
            return start
        day = self._local_day(start)
        while True:  # is_working_day raises CalendarRangeError past the calendar's last day
            for opens, closes in self._hours(day):
                begin = max(opens, start)
                if begin < closes:
                    if closes - begin >= left:
                        return begin + left
                    left -= closes - begin
            day += _DAY

    def _local_day(self, instant: datetime) -> date:
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError(f"instants must be timezone-aware, got {instant!r}")
        return instant.astimezone(self.zone).date()

    def _hours(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        if self.calendar.is_working_day(day):
            yield datetime.combine(day, self.opens, self.zone), datetime.combine(day, self.closes, self.zone)

    def _hours_backwards(self, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Office hours before ``end``, latest first, the last one cut at ``end``."""
        day = self._local_day(end)
        while True:  # is_working_day raises CalendarRangeError before the calendar's first day
            for opens, closes in self._hours(day):
                if opens < end:
                    yield opens, min(closes, end)
            day -= _DAY
