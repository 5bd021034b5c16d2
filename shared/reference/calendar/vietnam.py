"""Vietnam's working calendar: the ``holidays`` package plus the override file.

From ``holidays`` (country "VN") come public holidays (Tết, Hùng Kings, 30/4, 1/5,
2/9 with its adjacent day, Culture Day 24/11 from 2026), days observed in lieu, and
government swaps it knows: the day given off and the Saturday worked in exchange
(``weekend_workdays``). The override file adds decisions it does not know yet and
wins over it, including taking back a weekday holiday the package has wrong.
"""

from collections.abc import Iterable
from datetime import date
from functools import cache
from pathlib import Path

import holidays

from shared.reference.calendar.override_file import OVERRIDES_FILE, OverrideFileError, load_overrides
from shared.reference.calendar.overrides import DayOverride
from shared.reference.calendar.working_days import WorkingCalendar, is_weekend

DEFAULT_YEARS = range(2000, 2100)


def vietnam_calendar(overrides: Iterable[DayOverride] = (), years: range = DEFAULT_YEARS) -> WorkingCalendar:
    """A calendar for ``years`` from the ``holidays`` package, with ``overrides`` applied on top.

    An ``off`` override makes a day non-working and an ``on`` override makes a weekend
    day working, whatever the package says; the package's own swaps are honoured too.
    """
    if len(years) == 0 or years.step != 1:
        raise ValueError(f"years must be a non-empty range of consecutive years, got {years!r}")
    first, last = years[0], years[-1]
    # One year either side: a swap may give a day off in one year for a Saturday worked in the next.
    source = holidays.country_holidays("VN", years=range(first - 1, last + 2), language="vi")

    def covered(day: date) -> bool:
        return first <= day.year <= last

    notes: dict[date, str] = {day: name for day, name in source.items() if covered(day)}
    package_off = set(notes)
    package_on = {day for day in source.weekend_workdays if covered(day)} - package_off
    for day in package_on:
        notes[day] = "Ngày làm việc bù (hoán đổi ngày làm việc)"

    extra_off: set[date] = set()
    extra_on: set[date] = set()
    for override in overrides:
        if not covered(override.day):
            continue
        if override.kind == "on" and not is_weekend(override.day) and override.day not in package_off:
            raise ValueError(
                f"the 'on' override of {override.day} ({override.decision}) removes nothing: "
                "the holidays package does not give that weekday off"
            )
        (extra_off if override.kind == "off" else extra_on).add(override.day)
        notes[override.day] = f"{override.reason} ({override.decision})"
    both = extra_off & extra_on
    if both:
        raise ValueError(f"overrides set days both off and on: {sorted(both)}")

    return WorkingCalendar(
        first_year=first,
        last_year=last,
        days_off=frozenset((package_off - extra_on) | extra_off),
        weekend_working_days=frozenset(
            ((package_on - extra_off) | extra_on) - {d for d in extra_on if not is_weekend(d)}
        ),
        notes=notes,
    )


def load_vietnam_calendar(overrides_path: Path = OVERRIDES_FILE, years: range = DEFAULT_YEARS) -> WorkingCalendar:
    """The calendar for ``years`` with the override file at ``overrides_path`` applied.

    An entry the package makes meaningless (an ``on`` weekday it does not give off) raises
    ``OverrideFileError`` naming the file.
    """
    try:
        return vietnam_calendar(load_overrides(overrides_path), years)
    except OverrideFileError:
        raise
    except ValueError as error:
        raise OverrideFileError(f"{overrides_path}: {error}") from error


@cache
def default_calendar() -> WorkingCalendar:
    """The shipped calendar (years 2000-2099, shipped ``overrides.yaml``), built once per process."""
    return load_vietnam_calendar()
