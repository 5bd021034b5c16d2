"""The calendar each dossier's due dates are counted on: the country's, with its commune's closed days.

Every due date routing computes for a dossier (its first stage at planning, a later stage opened
on approval, a task resumed after supplements, a task routed again on return, an extension) is
counted on the same calendar as the dossier's other due dates: the one the dossiers row says
(``calendar_fingerprint`` and ``closed_days``), which the re-projection worker keeps in step with
the closures and the calendar in force. A new dossier starts on the calendar in force with the
closed days of the closures that cover its commune, so a dossier filed during a closure is due
after it. Counting them all on one calendar is what lets the worker move them together later.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from services.routing.domain.closures import CountedOn, closed_days
from services.routing.domain.deadlines import Deadlines
from services.routing.domain.reprojection import Reprojection
from services.routing.store import RoutingStore
from shared.kernel.unit_of_work import UnitOfWork
from shared.reference.calendar import OFFICE_TIMEZONE, default_calendar

ZONE = ZoneInfo(OFFICE_TIMEZONE)


@dataclass(frozen=True)
class Opening:
    """A new dossier's calendar, and the deadlines counted on it."""

    counted: CountedOn
    deadlines: Deadlines
    plain: Deadlines
    """The calendar in force without closures: the one intake counted the receipt's appointment on."""

    def dossier_due(self, received_at: datetime, due_at: datetime) -> datetime:
        """Intake's appointment (counted without closures) counted again with the commune's closed days."""
        return Reprojection(self.plain.calendar, self.deadlines.calendar, ZONE).due(received_at, due_at)


async def dossier_deadlines(uow: UnitOfWork[RoutingStore], dossier_id: UUID) -> Deadlines:
    """The deadlines of the calendar the dossier's due dates are counted on (its row locked till the end).

    A dossier counted on an older country calendar (the worker has not reached it yet) keeps
    counting on it; the worker then moves every due date, this one included, at once.
    """
    in_force = default_calendar()
    counted = await uow.store.calendar_counted_on(dossier_id)
    if counted is None:
        return Deadlines(in_force, ZONE)
    base = in_force
    if counted.fingerprint not in (None, in_force.fingerprint):
        base = await uow.store.calendar_version(counted.fingerprint) or in_force
    return Deadlines(base.with_days_closed(counted.closed_days), ZONE)


async def opening(uow: UnitOfWork[RoutingStore], province_code: str, commune_code: str | None) -> Opening:
    """The calendar a dossier of this commune starts on: in force, with the closures covering it."""
    in_force = default_calendar()
    days = closed_days(await uow.store.closures_in(province_code), province_code, commune_code)
    counted = CountedOn(in_force.fingerprint, days)
    return Opening(counted, Deadlines(in_force.with_days_closed(days), ZONE), Deadlines(in_force, ZONE))
