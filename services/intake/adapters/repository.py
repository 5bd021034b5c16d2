"""SQL of the intake schema."""

from datetime import date, datetime
from uuid import UUID

import asyncpg

from shared.contracts import Applicant, DossierStatus

DOSSIER_COLUMNS = (
    "id, code, procedure_code, receiving_agency, commune_code, province_code, client_id, status,"
    " handling_unit, received_at, due_at, updated_at, components, missing"
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
) -> None:
    await connection.execute(
        "INSERT INTO dossiers (id, code, procedure_code, receiving_agency, commune_code, province_code,"
        " applicant, client_id, status, handling_unit, received_at, updated_at, due_at, components)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $4, $10, $10, $11, $12)",
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
    )
    await add_history(connection, dossier_id, DossierStatus.RECEIVING, receiving_agency, "received", received_at)


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


async def lock_dossier(connection: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    """The dossier, locked until the transaction ends so status changes wait for the command."""
    return await connection.fetchrow(f"SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE code = $1 FOR UPDATE", code)


async def history(connection: asyncpg.Connection, dossier_id: UUID) -> list[asyncpg.Record]:
    return list(
        await connection.fetch(
            "SELECT status, unit, note, at FROM dossier_history WHERE dossier_id = $1 ORDER BY id", dossier_id
        )
    )
