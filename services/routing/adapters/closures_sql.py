"""SQL of closures, calendar versions and the dossiers whose due dates must be counted again (migration 0007)."""

from datetime import date
from uuid import UUID

import asyncpg

from services.routing.domain.closures import Closure, Decision
from shared.reference.calendar import WorkingCalendar

OPEN = "status NOT IN ('cancelled', 'denied', 'done')"


def closure_of(row: asyncpg.Record) -> Closure:
    return Closure(
        id=row["id"],
        province_code=row["province_code"],
        communes=tuple(row["communes"]),
        first_day=row["first_day"],
        last_day=row["last_day"],
        reason=row["reason"],
        decision=Decision(row["decision_number"], row["decision_date"], row["decision_issuer"]),
        declared_by=row["declared_by"],
        declared_at=row["declared_at"],
        ended_at=row["ended_at"],
    )


async def save_closure(connection: asyncpg.Connection, closure: Closure) -> None:
    """Insert the closure, or write its new last day and end."""
    await connection.execute(
        "INSERT INTO closures (id, province_code, communes, first_day, last_day, reason, decision_number,"
        " decision_date, decision_issuer, declared_by, declared_at, ended_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())"
        " ON CONFLICT (id) DO UPDATE SET last_day = EXCLUDED.last_day, ended_at = EXCLUDED.ended_at,"
        " updated_at = now()",
        closure.id,
        closure.province_code,
        list(closure.communes),
        closure.first_day,
        closure.last_day,
        closure.reason,
        closure.decision.number,
        closure.decision.issued_on,
        closure.decision.issuer,
        closure.declared_by,
        closure.declared_at,
        closure.ended_at,
    )


async def closure_for_update(connection: asyncpg.Connection, closure_id: UUID) -> Closure | None:
    row = await connection.fetchrow("SELECT * FROM closures WHERE id = $1 FOR UPDATE", closure_id)
    return closure_of(row) if row else None


async def closures(connection: asyncpg.Connection, province_code: str | None = None) -> list[Closure]:
    """The closures of a province (every province when None), latest first."""
    rows = await connection.fetch(
        "SELECT * FROM closures WHERE $1::text IS NULL OR province_code = $1 ORDER BY first_day DESC, id",
        province_code,
    )
    return [closure_of(r) for r in rows]


async def mark_concerned(connection: asyncpg.Connection, closure: Closure, why: str) -> int:
    """Mark the open dossiers the closure concerns as to be re-projected; how many."""
    status = await connection.execute(
        f"UPDATE dossiers SET reprojection_due = $3 WHERE {OPEN} AND province_code = $1"
        " AND (cardinality($2::text[]) = 0 OR commune_code = ANY($2))",
        closure.province_code,
        list(closure.communes),
        why,
    )
    return int(status.split()[-1])


async def remember_calendar(connection: asyncpg.Connection, calendar: WorkingCalendar) -> None:
    """Keep the calendar in force by its fingerprint (once)."""
    await connection.execute(
        "INSERT INTO calendar_versions (fingerprint, first_year, last_year, days_off, weekend_working_days,"
        " first_loaded_at) VALUES ($1, $2, $3, $4, $5, now()) ON CONFLICT (fingerprint) DO NOTHING",
        calendar.fingerprint,
        calendar.first_year,
        calendar.last_year,
        sorted(calendar.days_off),
        sorted(calendar.weekend_working_days),
    )


async def calendar_version(connection: asyncpg.Connection, fingerprint: str) -> WorkingCalendar | None:
    row = await connection.fetchrow("SELECT * FROM calendar_versions WHERE fingerprint = $1", fingerprint)
    if row is None:
        return None
    return WorkingCalendar(
        first_year=row["first_year"],
        last_year=row["last_year"],
        days_off=frozenset(row["days_off"]),
        weekend_working_days=frozenset(row["weekend_working_days"]),
    )


async def dossiers_to_reproject(connection: asyncpg.Connection, fingerprint: str, batch: int) -> list[asyncpg.Record]:
    """Lock up to ``batch`` open dossiers counted on another calendar or concerned by a changed closure."""
    return list(
        await connection.fetch(
            "SELECT id, province_code, commune_code, calendar_fingerprint, closed_days, reprojection_due"
            f" FROM dossiers WHERE {OPEN} AND plan IS NOT NULL"
            " AND (reprojection_due IS NOT NULL OR calendar_fingerprint IS DISTINCT FROM $1)"
            " ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED",
            fingerprint,
            batch,
        )
    )


async def counted_on(connection: asyncpg.Connection, dossier_id: UUID, fingerprint: str, days: frozenset[date]) -> None:
    """Note the calendar the dossier's due dates are now counted on."""
    await connection.execute(
        "UPDATE dossiers SET calendar_fingerprint = $2, closed_days = $3, reprojection_due = NULL WHERE id = $1",
        dossier_id,
        fingerprint,
        sorted(days),
    )
