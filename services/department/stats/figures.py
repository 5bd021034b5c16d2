"""How a completion is classified and counted on the public board.

Definitions (local dates in the offices' time zone, Asia/Ho_Chi_Minh):

- A **completion** is a task the unit decided: approved or refused. Tasks returned as
  not the unit's competence, cancelled ones and tasks without a due time are not
  counted.
- **Early** (*trước hạn*): finished on a day before the local day of its due time.
- **On time** (*đúng hạn*): finished on the due day, at or before the due time.
- **Late** (*trễ hạn*): finished after the due time — or extended with an apology
  letter (Form 04) at any point: the one-stop rules (Decree 118/2025/NĐ-CP, earlier
  Decree 61/2018) have the letter written for a dossier that cannot be finished on time,
  so the new date it sets does not make the task on time. Days waiting for supplements are not lateness:
  the due time they pushed back is the one compared with.
- **On-time rate**: (early + on time) / completions, as the Decision 766/QĐ-TTg index
  reports it; undefined (``None``) when there are no completions.
- A **period** is a range of local days, both ends included; a completion belongs to it
  by the local day it finished on. By default: the current month.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from shared.reference.calendar import DEFAULT_YEARS

MAX_PERIOD_DAYS = 366
YEARS = DEFAULT_YEARS
"""The years a period may cover: those of the working-day calendar."""


class Timeliness(StrEnum):
    """How a completion stands against its due time."""

    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"


class PeriodError(ValueError):
    """The period is empty or too long."""


def timeliness(due_at: datetime, finished_at: datetime, *, extended: bool, zone: ZoneInfo) -> Timeliness:
    """Early, on time or late, by the definitions above."""
    if extended or finished_at > due_at:
        return Timeliness.LATE
    if finished_at.astimezone(zone).date() < due_at.astimezone(zone).date():
        return Timeliness.EARLY
    return Timeliness.ON_TIME


@dataclass(frozen=True)
class Tally:
    """Counts of completions by timeliness."""

    early: int = 0
    on_time: int = 0
    late: int = 0

    @property
    def completed(self) -> int:
        return self.early + self.on_time + self.late

    @property
    def on_time_rate(self) -> float | None:
        """Share of completions finished early or on time; None when nothing was completed."""
        return (self.early + self.on_time) / self.completed if self.completed else None

    @classmethod
    def of(cls, items: Iterable[Timeliness]) -> "Tally":
        counts = Counter(items)
        return cls(counts[Timeliness.EARLY], counts[Timeliness.ON_TIME], counts[Timeliness.LATE])


def tally_by(items: Iterable[tuple[str, Timeliness]]) -> dict[str, Tally]:
    """One tally per key (a procedure code), keys in order."""
    grouped: dict[str, list[Timeliness]] = {}
    for key, item in items:
        grouped.setdefault(key, []).append(item)
    return {key: Tally.of(grouped[key]) for key in sorted(grouped)}


@dataclass(frozen=True)
class Period:
    """Local days ``first`` to ``last``, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise PeriodError(f"the period ends ({self.last}) before it starts ({self.first})")
        if (self.last - self.first).days >= MAX_PERIOD_DAYS:
            raise PeriodError(f"a period covers at most {MAX_PERIOD_DAYS} days")
        if self.first.year not in YEARS or self.last.year not in YEARS:
            raise PeriodError(f"a period lies within the years {YEARS[0]}-{YEARS[-1]}")

    @classmethod
    def asked(cls, first: date | None, last: date | None, *, today: date) -> "Period":
        """The period a reader asked for: the current month by default, ``first`` alone runs to the end of
        the current month, ``last`` alone starts on the first day of its month."""
        if first is None and last is None:
            return cls.month_of(today)
        if first is None:
            assert last is not None
            return cls(last.replace(day=1), last)
        return cls(first, last or cls.month_of(today).last)

    @classmethod
    def month_of(cls, day: date) -> "Period":
        """The calendar month ``day`` falls in."""
        first = day.replace(day=1)
        following = (first + timedelta(days=31)).replace(day=1)
        return cls(first, following - timedelta(days=1))

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The instants the period covers: from its first local midnight to the one after its last day."""
        return (
            datetime.combine(self.first, time(), zone),
            datetime.combine(self.last + timedelta(days=1), time(), zone),
        )


def returned_on_time(due_at: datetime, returned_at: datetime) -> bool:
    """A result is returned on time when it was handed to the applicant by the appointment on the receipt.

    This is the one-stop rule the provinces report (Decree 61/2018, Decree 118/2025): the date that
    counts is the return of the result, not the units' decisions; ``due_at`` is the appointment
    as routing last set it (moved by closures, supplements and paused payments).
    """
    return returned_at <= due_at


@dataclass(frozen=True)
class ReturnTally:
    """Counts of results returned, on time or late."""

    on_time: int = 0
    late: int = 0

    @property
    def returned(self) -> int:
        return self.on_time + self.late

    @property
    def on_time_rate(self) -> float | None:
        """Share of results returned on time; None when none was returned."""
        return self.on_time / self.returned if self.returned else None

    @classmethod
    def of(cls, returns: Iterable[tuple[datetime, datetime]]) -> "ReturnTally":
        """The tally of ``(due_at, returned_at)`` pairs."""
        on_time = late = 0
        for due_at, returned_at in returns:
            if returned_on_time(due_at, returned_at):
                on_time += 1
            else:
                late += 1
        return cls(on_time, late)
