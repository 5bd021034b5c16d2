"""Closures (force majeure): the offices of some communes, or of a whole province, closed by a decision.

A closure names its place (a province, and the communes concerned or none for the whole
province), its first and last closed day (local dates, both included), the reason and the
decision that ordered it. The working days it covers do not count towards any deadline of
a dossier of a commune it covers: routing's calendar for that dossier is the country's
calendar with those days closed (``WorkingCalendar.with_days_closed``). Ending a closure
early or extending it moves its last day; the due dates are then re-projected again.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from uuid import UUID


class ClosureRejectedError(ValueError):
    """The change does not apply to the closure (e.g. an end after its last day)."""


@dataclass(frozen=True)
class Decision:
    """The document that ordered the closure: its number, the day it was issued and who issued it."""

    number: str
    issued_on: date
    issuer: str

    def cited(self) -> str:
        return f"{self.number} ngày {self.issued_on:%d/%m/%Y} của {self.issuer}"


@dataclass(frozen=True)
class Closure:
    """One closure; ``communes`` empty means every commune of the province (and its own offices)."""

    id: UUID
    province_code: str
    communes: tuple[str, ...]
    first_day: date
    last_day: date
    reason: str
    decision: Decision
    declared_by: str
    declared_at: datetime
    ended_at: datetime | None = None
    """When it was ended early (its ``last_day`` was brought forward), if it was."""

    def __post_init__(self) -> None:
        if self.last_day < self.first_day - timedelta(days=1):
            raise ClosureRejectedError(f"last_day {self.last_day} is before first_day {self.first_day}")

    def covers(self, province_code: str, commune_code: str | None) -> bool:
        """Whether the closure stops the clocks of a dossier of this commune (in this province)."""
        if province_code != self.province_code:
            return False
        return not self.communes or commune_code in self.communes

    def days(self) -> frozenset[date]:
        """Every day closed, weekends included (the calendar decides which of them were working days)."""
        count = (self.last_day - self.first_day).days + 1
        return frozenset(self.first_day + timedelta(days=n) for n in range(max(count, 0)))

    def ended(self, reopened_on: date, now: datetime) -> "Closure":
        """Ended early: the offices reopen on ``reopened_on``, so the day before is the last one closed.

        Reopening on the first day voids the closure (no day closed).
        """
        last = reopened_on - timedelta(days=1)
        if last >= self.last_day:
            raise ClosureRejectedError(
                f"reopened_on {reopened_on} does not end the closure early: its last closed day is {self.last_day}"
            )
        if reopened_on < self.first_day:
            raise ClosureRejectedError(f"reopened_on {reopened_on} is before the first closed day {self.first_day}")
        return replace(self, last_day=last, ended_at=now)

    def extended(self, last_day: date) -> "Closure":
        """Extended: ``last_day`` is the new last closed day, later than the present one."""
        if last_day <= self.last_day:
            raise ClosureRejectedError(
                f"last_day {last_day} does not extend the closure: its last closed day is already {self.last_day}"
            )
        return replace(self, last_day=last_day)

    def told(self) -> str:
        """What the applicant and the journal are told of it: the reason and the decision."""
        return f"Tạm dừng giải quyết do bất khả kháng ({self.reason}) theo {self.decision.cited()}"


@dataclass(frozen=True)
class CountedOn:
    """The calendar a dossier's due dates are counted on: the country's by fingerprint (None: the one
    in force) with the days its commune's offices were closed."""

    fingerprint: str | None
    closed_days: frozenset[date] = frozenset()


def closed_days(closures: Iterable[Closure], province_code: str, commune_code: str | None) -> frozenset[date]:
    """The days the closures covering this commune keep its offices closed."""
    days: set[date] = set()
    for closure in closures:
        if closure.covers(province_code, commune_code):
            days |= closure.days()
    return frozenset(days)
