"""Working-day arithmetic over an immutable, finite calendar.

A day is a working day when it is Monday-Friday and not a day off, or when it is a
Saturday/Sunday that a swap made a working day. The calendar covers whole years,
``first_year`` to ``last_year``; asking about a day outside them raises
``CalendarRangeError`` instead of guessing, because holidays outside the range are
unknown.

Conventions (all counting is on local calendar dates, never on instants):

- ``add_working_days(start, n)`` is the n-th working day strictly after ``start``
  (``n == 0`` gives ``start`` itself, whatever it is), so
  ``add_working_days(add_working_days(d, a), b) == add_working_days(d, a + b)``.
- ``working_days_between(a, b)`` counts the working days in the half-open interval
  ``(a, b]``; it is negative when ``b`` is before ``a``, so that
  ``working_days_between(d, add_working_days(d, n)) == n``.
"""

import hashlib
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType

SATURDAY = 5


class CalendarRangeError(ValueError):
    """A day, or the result of a computation, lies outside the years the calendar covers."""


def is_weekend(day: date) -> bool:
    """True for Saturday and Sunday."""
    return day.weekday() >= SATURDAY


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days, for the whole years ``first_year``..``last_year``.

    ``days_off`` are non-working days besides weekends (public holidays, substituted
    days, extra days off by decision); ``weekend_working_days`` are Saturdays and
    Sundays made working days by a swap. The two sets must not overlap. ``notes``
    optionally says why a day is special (holiday name, override reason); it plays
    no part in equality.
    """

    first_year: int
    last_year: int
    days_off: frozenset[date] = field(default=frozenset(), repr=False)
    weekend_working_days: frozenset[date] = field(default=frozenset(), repr=False)
    notes: Mapping[date, str] = field(default_factory=dict, compare=False, repr=False)
    _working: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.first_year > self.last_year:
            raise ValueError(f"first_year {self.first_year} is after last_year {self.last_year}")
        if date.min.year > self.first_year or self.last_year >= date.max.year:
            raise ValueError(f"years {self.first_year}..{self.last_year} are not supported")
        both = self.days_off & self.weekend_working_days
        if both:
            raise ValueError(f"days both off and working: {sorted(both)}")
        weekdays = sorted(d for d in self.weekend_working_days if not is_weekend(d))
        if weekdays:
            raise ValueError(f"weekend_working_days must be Saturdays or Sundays, got {weekdays}")
        first, last = self.first_day.toordinal(), self.last_day.toordinal()
        working = tuple(o for o in range(first, last + 1) if self._working_by_rule(date.fromordinal(o)))
        object.__setattr__(self, "days_off", frozenset(self.days_off))
        object.__setattr__(self, "weekend_working_days", frozenset(self.weekend_working_days))
        object.__setattr__(self, "notes", MappingProxyType(dict(self.notes)))
        object.__setattr__(self, "_working", working)

    @property
    def first_day(self) -> date:
        """1 January of the first year covered."""
        return date(self.first_year, 1, 1)

    @property
    def last_day(self) -> date:
        """31 December of the last year covered."""
        return date(self.last_year, 12, 31)

    def _working_by_rule(self, day: date) -> bool:
        if is_weekend(day):
            return day in self.weekend_working_days
        return day not in self.days_off

    def _checked(self, day: date) -> date:
        if isinstance(day, datetime):
            raise TypeError(f"expected a date, got the datetime {day!r}; convert it to the local date first")
        if not self.first_day <= day <= self.last_day:
            raise CalendarRangeError(f"{day} is outside the calendar, which covers {self.first_year}-{self.last_year}")
        return day

    def _rank(self, day: date) -> int:
        """Number of working days from the start of the calendar up to and including ``day``."""
        return bisect_right(self._working, self._checked(day).toordinal())

    @property
    def fingerprint(self) -> str:
        """A short digest of which days are working days: equal calendars have equal fingerprints.

        Due dates are stored with the fingerprint of the calendar they were computed on, so a
        service that loads a changed calendar (a new override) knows which to compute again.
        """
        text = ";".join(
            [
                f"{self.first_year}-{self.last_year}",
                ",".join(sorted(d.isoformat() for d in self.days_off)),
                ",".join(sorted(d.isoformat() for d in self.weekend_working_days)),
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def with_days_closed(self, days: frozenset[date]) -> "WorkingCalendar":
        """This calendar with ``days`` made non-working too (a closure of the offices, force majeure)."""
        if not days:
            return self
        covered = {d for d in days if self.first_day <= d <= self.last_day}
        return WorkingCalendar(
            first_year=self.first_year,
            last_year=self.last_year,
            days_off=self.days_off | {d for d in covered if not is_weekend(d)},
            weekend_working_days=self.weekend_working_days - covered,
            notes=self.notes,
        )

    def is_working_day(self, day: date) -> bool:
        """True when ``day`` is a working day."""
        return self._working_by_rule(self._checked(day))

    def note(self, day: date) -> str | None:
        """Why ``day`` is special (holiday name or override reason), if the calendar knows."""
        return self.notes.get(self._checked(day))

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day strictly after ``start``; ``start`` itself when ``n == 0``.

        Raises ``ValueError`` for negative ``n`` and ``CalendarRangeError`` when the
        result lies beyond the last year covered.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        rank = self._rank(start)
        if n == 0:
            return start
        index = rank + n - 1
        if index >= len(self._working):
            raise CalendarRangeError(
                f"{n} working days after {start} is beyond the calendar, which ends with {self.last_year}"
            )
        return date.fromordinal(self._working[index])

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        return self.add_working_days(day, 1)

    def working_day_on_or_after(self, day: date) -> date:
        """``day`` if it is a working day, else the next working day."""
        return day if self.is_working_day(day) else self.next_working_day(day)

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in ``(a, b]``: ``a`` excluded, ``b`` included; negative when ``b < a``."""
        return self._rank(b) - self._rank(a)
