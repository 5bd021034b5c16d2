"""SQL of the intake schema."""

from datetime import date, datetime
from uuid import UUID

import asyncpg

from services.intake.domain.identity import IdentityState, IdentityStatus, received_note
from shared.contracts import Applicant, DossierStatus

DOSSIER_COLUMNS = (
    "id, code, procedure_code, receiving_agency, commune_code, province_code, client_id, status,"
    " handling_unit, received_at, due_at, updated_at, components, missing, portal_dossier_id,"
    " identity_status, identity_detail, identity_attempts, identity_checked_at"
)


async def next_sequence(connection: asyncpg.Connection, agency_id: str, day: date) -> int:
    """Next dossier number of ``agency_id`` on ``day``; the row lock makes it unique."""
    value = await connection.fetchval(
        "INSERT INTO dossier_sequences (agency_id, day, last) VALUES ($1, $2, 1)"
        " ON CONFLICT (agency_id, day) DO UPDATE SET last = dossier_sequences.last + 1 RETURNING last",
        agency_id,
        day,
    )
    return int(value)


async def insert_dossier(
    connection: asyncpg.Connection,
    *,
    dossier_id: UUID,
    code: str,
    procedure_code: str,
    receiving_agency: str,
    commune_code: str,
    province_code: str,
    applicant: Applicant,
    client_id: str,
    received_at: datetime,
    due_at: datetime,
    components: tuple[str, ...],
    identity: IdentityState,
    portal_dossier_id: str | None,
) -> None:
    """Store a received dossier with its first identity check and its receipt in the history."""
    await connection.execute(
        "INSERT INTO dossiers (id, code, procedure_code, receiving_agency, commune_code, province_code,"
        " applicant, client_id, status, handling_unit, received_at, updated_at, due_at, components,"
        " portal_dossier_id, identity_status, identity_detail, identity_attempts, identity_checked_at,"
        " identity_next_check_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $4, $10, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
        dossier_id,
        code,
        procedure_code,
        receiving_agency,
        commune_code,
        province_code,
        applicant.model_dump_json(),
        client_id,
        DossierStatus.RECEIVING.value,
        received_at,
        due_at,
        list(components),
        portal_dossier_id,
        identity.status.value,
        identity.detail,
        identity.attempts,
        identity.checked_at,
        identity.next_check_at,
    )
    note = received_note(identity)
    await add_history(connection, dossier_id, DossierStatus.RECEIVING, receiving_agency, note, received_at)


async def add_history(
    connection: asyncpg.Connection,
    dossier_id: UUID,
    status: DossierStatus,
    unit: str | None,
    note: str | None,
    at: datetime,
) -> None:
    await connection.execute(
        "INSERT INTO dossier_history (dossier_id, status, unit, note, at) VALUES ($1, $2, $3, $4, $5)",
        dossier_id,
        status.value,
        unit,
        note,
        at,
    )


async def update_status(
    connection: asyncpg.Connection, dossier_id: UUID, status: DossierStatus, unit: str | None, at: datetime
) -> bool:
    """Move the dossier to ``status`` at ``unit``; False when it is already exactly there."""
    result = await connection.execute(
        "UPDATE dossiers SET status = $2, handling_unit = coalesce($3, handling_unit), updated_at = $4"
        " WHERE id = $1 AND (status, handling_unit) IS DISTINCT FROM ($2, coalesce($3, handling_unit))",
        dossier_id,
        status.value,
        unit,
        at,
    )
    return str(result) == "UPDATE 1"


async def update_follow_up(
    connection: asyncpg.Connection, dossier_id: UUID, due_at: datetime, missing: tuple[str, ...] | None
) -> None:
    """Keep the due time routing announced and, when given, what the applicant must hand in."""
    await connection.execute(
        "UPDATE dossiers SET due_at = $2, missing = coalesce($3, missing) WHERE id = $1",
        dossier_id,
        due_at,
        None if missing is None else list(missing),
    )


async def find_dossier(connection: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    return await connection.fetchrow(f"SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE code = $1", code)


async def find_dossier_by_id(connection: asyncpg.Connection, dossier_id: UUID) -> asyncpg.Record | None:
    return await connection.fetchrow(f"SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE id = $1", dossier_id)


async def find_portal_dossier(connection: asyncpg.Connection, portal_dossier_id: str) -> asyncpg.Record | None:
    """The dossier the national portal pushed in under ``portal_dossier_id``, if any."""
    return await connection.fetchrow(
        f"SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE portal_dossier_id = $1", portal_dossier_id
    )


async def lock_portal_dossier_id(connection: asyncpg.Connection, portal_dossier_id: str) -> None:
    """Serialise, until the transaction ends, every receipt of the same portal dossier id."""
    await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"portal-dossier:{portal_dossier_id}")


async def identity_checks(
    connection: asyncpg.Connection, status: IdentityStatus, receiving_agency: str | None, limit: int
) -> list[asyncpg.Record]:
    """Dossiers whose identity is in ``status`` (at one centre when given), newest check first."""
    return list(
        await connection.fetch(
            "SELECT code, receiving_agency, procedure_code, identity_status AS status, identity_detail AS detail,"
            " identity_attempts AS attempts, identity_checked_at AS checked_at FROM dossiers"
            " WHERE identity_status = $1 AND ($2::text IS NULL OR receiving_agency = $2)"
            " ORDER BY identity_checked_at DESC NULLS LAST, received_at DESC, code DESC LIMIT $3",
            status.value,
            receiving_agency,
            limit,
        )
    )


async def lock_dossier(connection: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    """The dossier, locked until the transaction ends so status changes wait for the command."""
    return await connection.fetchrow(f"SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE code = $1 FOR UPDATE", code)


async def history(connection: asyncpg.Connection, dossier_id: UUID) -> list[asyncpg.Record]:
    return list(
        await connection.fetch(
            "SELECT status, unit, note, at FROM dossier_history WHERE dossier_id = $1 ORDER BY id", dossier_id
        )
    )
