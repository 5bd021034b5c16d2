"""Re-projected due dates: closures declared, ended or extended, and a changed calendar, applied to open plans.

A dossier's due dates are counted on the country's calendar (``default_calendar()``, by its
fingerprint) with the days its commune's offices were closed. The dossiers row keeps which
(``calendar_fingerprint``, ``closed_days``); a closure that changes marks the open dossiers it
concerns (``reprojection_due``), and a service started on another calendar finds every open
dossier counted on an older one. The :class:`Reprojector` (a polling worker, any number of
instances) counts each such dossier's open due dates again, announces each task whose due time
moved (``task.due-changed``) and the dossier's new appointment once (a status change keeping
its status, with the reason: the applicant is told), and journals the decision or the calendar
change. Finished dossiers and tasks are left alone.
"""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from services.routing.adapters import closures_sql as sql
from services.routing.adapters.postgres_store import PostgresRoutingStore
from services.routing.announcements import record
from services.routing.domain.closures import Closure, closed_days
from services.routing.domain.reprojection import Reprojection
from services.routing.store import RoutingStore
from shared.kernel.journal import service_chain
from shared.kernel.polling import PollingWorker, WakeUp
from shared.kernel.runtime import ServiceRuntime
from shared.kernel.unit_of_work import UnitOfWork
from shared.reference.calendar import OFFICE_TIMEZONE, WorkingCalendar, default_calendar

Work = UnitOfWork[RoutingStore]
WAKE_CHANNEL = "routing_reprojection"
"""Notified when a closure changed: the worker looks at once."""


def connection_of(uow: Work) -> asyncpg.Connection:
    """The transaction's connection: closures and calendars are read and written beside the plans."""
    assert isinstance(uow.store, PostgresRoutingStore), "re-projection runs on the PostgreSQL store"
    return uow.store.connection


async def closure_changed(uow: Work, closure: Closure, action: str, actor: str) -> int:
    """Keep the closure as it now stands, journal it with its decision, and mark the open dossiers it concerns.

    Returns how many dossiers will have their due dates counted again.
    """
    connection = connection_of(uow)
    await sql.save_closure(connection, closure)
    why = closure.told() if action != "ended" else f"Kết thúc sớm việc tạm dừng: {closure.told()}"
    concerned = await sql.mark_concerned(connection, closure, why)
    details = {
        "closure_id": str(closure.id),
        "province_code": closure.province_code,
        "communes": list(closure.communes),
        "first_day": closure.first_day.isoformat(),
        "last_day": closure.last_day.isoformat(),
        "decision": closure.decision.cited(),
        "dossiers_concerned": concerned,
    }
    await uow.journal.append(service_chain("routing"), f"closure {action}", actor, details)
    await connection.execute("SELECT pg_notify($1, '')", WAKE_CHANNEL)
    return concerned


class Reprojector:
    """Counts again the due dates of open dossiers whose calendar changed, in batches, each once."""

    def __init__(
        self,
        transaction: Callable[[], AbstractAsyncContextManager[Work]],
        calendar: WorkingCalendar,
        *,
        batch: int = 100,
        zone: ZoneInfo | None = None,
    ) -> None:
        self._transaction = transaction
        self.calendar = calendar
        self.batch = batch
        self._zone = zone or ZoneInfo(OFFICE_TIMEZONE)
        self._calendars: dict[tuple[str, frozenset[date]], WorkingCalendar] = {}
        self._remembered = False

    async def remember_calendar(self) -> None:
        """Keep the calendar in force by its fingerprint, so that later ones can count from it."""
        async with self._transaction() as uow:
            await sql.remember_calendar(connection_of(uow), self.calendar)

    async def reprojected(self, _worker_connection: object = None) -> int:
        """One pass: the dossiers it counted again (a polling worker's pass); the first keeps the calendar."""
        if not self._remembered:
            await self.remember_calendar()
            self._remembered = True
        async with self._transaction() as uow:
            connection = connection_of(uow)
            rows = await sql.dossiers_to_reproject(connection, self.calendar.fingerprint, self.batch)
            by_province: dict[str, list[Closure]] = {}
            for row in rows:
                province = row["province_code"]
                if province not in by_province:
                    by_province[province] = await sql.closures(connection, province)
                await self._one(uow, row, by_province[province])
        return len(rows)

    async def _one(self, uow: Work, row: asyncpg.Record, closures: list[Closure]) -> None:
        connection = connection_of(uow)
        loaded = await uow.store.get_for_update(row["id"])
        if loaded is None:
            return
        plan, applicant = loaded
        current = self.calendar.fingerprint
        counted_on = row["calendar_fingerprint"] or current
        old = await self._calendar(connection, counted_on, frozenset(row["closed_days"]))
        concerning = [c for c in closures if c.covers(row["province_code"], row["commune_code"])]
        days = closed_days(concerning, row["province_code"], row["commune_code"])
        new = await self._calendar(connection, current, days)
        if old != new:
            reason, details = _why(row["reprojection_due"], concerning, counted_on, current)
            effects = plan.reproject(Reprojection(old, new, self._zone).due, reason, uow.now)
            if effects:
                await record(uow, plan, applicant, effects, ("due dates re-projected", details))
        await sql.counted_on(connection, plan.dossier_id, current, days)

    async def _calendar(
        self, connection: asyncpg.Connection, fingerprint: str, days: frozenset[date]
    ) -> WorkingCalendar:
        key = (fingerprint, days)
        if key not in self._calendars:
            base = self.calendar if fingerprint == self.calendar.fingerprint else None
            base = base or await sql.calendar_version(connection, fingerprint) or self.calendar
            if len(self._calendars) > 256:
                self._calendars.clear()
            self._calendars[key] = base.with_days_closed(days)
        return self._calendars[key]


def _why(marked: str | None, closures: list[Closure], counted_on: str, current: str) -> tuple[str, dict[str, Any]]:
    """The reason told to the applicant and the journal's details: the closures' decisions, the calendars."""
    details: dict[str, Any] = {
        "closures": [{"closure_id": str(c.id), "decision": c.decision.cited()} for c in closures],
        "calendar_from": counted_on,
        "calendar_to": current,
    }
    if marked:
        return marked, details
    if counted_on != current:
        return "Lịch ngày làm việc được điều chỉnh theo quyết định của Chính phủ", details
    return (closures[0].told() if closures else "Lịch ngày làm việc thay đổi"), details


def reprojector(runtime: ServiceRuntime[RoutingStore]) -> PollingWorker:
    """The re-projection worker on the calendar in force, woken when a closure changes."""
    work = Reprojector(runtime.transactions, default_calendar())
    return PollingWorker(
        "reprojector",
        work.reprojected,
        batch=work.batch,
        poll_seconds=30.0,
        wake=WakeUp(runtime.database_url, WAKE_CHANNEL),
        metrics=runtime.worker_metrics,
    )
