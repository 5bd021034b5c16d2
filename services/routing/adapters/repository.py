"""SQL of the routing schema."""

from datetime import datetime
from uuid import UUID

import asyncpg

from shared.contracts import DossierStatus, DossierSubmitted


async def insert_dossier(
    connection: asyncpg.Connection, event: DossierSubmitted, status: DossierStatus, catalogue_version: str
) -> None:
    await connection.execute(
        "INSERT INTO dossiers (id, code, procedure_code, commune_code, province_code, applicant, received_at,"
        " status, catalogue_version, updated_at, due_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now(), $10)",
        event.dossier_id,
        event.dossier_code,
        event.procedure_code,
        event.commune_code,
        event.province_code,
        event.applicant.model_dump_json(),
        event.received_at,
        status.value,
        catalogue_version,
        event.due_at,
    )


async def insert_task(connection: asyncpg.Connection, task_id: UUID, dossier_id: UUID, unit: str, at: datetime) -> None:
    await connection.execute(
        "INSERT INTO tasks (id, dossier_id, unit_code, assigned_at) VALUES ($1, $2, $3, $4)",
        task_id,
        dossier_id,
        unit,
        at,
    )


async def lock_dossier(connection: asyncpg.Connection, dossier_id: UUID) -> asyncpg.Record | None:
    return await connection.fetchrow(
        "SELECT id, code, procedure_code, applicant, received_at, due_at, status FROM dossiers"
        " WHERE id = $1 FOR UPDATE",
        dossier_id,
    )


async def close_task(
    connection: asyncpg.Connection, task_id: UUID, status: str, reason: str | None, at: datetime
) -> bool:
    result = await connection.execute(
        "UPDATE tasks SET status = $2, reason = $3, completed_at = $4 WHERE id = $1 AND status = 'open'",
        task_id,
        status,
        reason,
        at,
    )
    return str(result) == "UPDATE 1"


async def set_status(connection: asyncpg.Connection, dossier_id: UUID, status: DossierStatus) -> None:
    await connection.execute(
        "UPDATE dossiers SET status = $2, updated_at = now() WHERE id = $1", dossier_id, status.value
    )
