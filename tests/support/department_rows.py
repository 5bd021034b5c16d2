"""Department tasks written straight into a schema, for tests of what reads them (deadlines, board)."""

import uuid
from datetime import datetime
from pathlib import Path

import asyncpg

from shared.kernel.db import create_pool
from shared.kernel.migrations import migrate

DEPARTMENT_MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "department" / "migrations"


async def department_schema(database_url: str, prefix: str) -> tuple[str, asyncpg.Pool]:
    """A fresh schema with the department's tables, and a pool on it."""
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    await migrate(database_url, schema, DEPARTMENT_MIGRATIONS)
    return schema, await create_pool(database_url, schema)


async def add_task(
    connection: asyncpg.Connection,
    *,
    assigned_at: datetime,
    due_at: datetime | None,
    unit: str = "17179.VP",
    procedure: str = "1.001193",
) -> uuid.UUID:
    """An open task as the assignment writes it."""
    task_id = uuid.uuid4()
    await connection.execute(
        "INSERT INTO tasks (id, dossier_id, dossier_code, unit_code, procedure_code, task_key, stage, assigned_at,"
        " due_at) VALUES ($1, $2, $3, $4, $5, 'register-birth', 0, $6, $7)",
        task_id,
        uuid.uuid4(),
        f"000.01.15.H40-261120-{task_id.int % 10000:04d}",
        unit,
        procedure,
        assigned_at,
        due_at,
    )
    return task_id


async def finish_task(connection: asyncpg.Connection, task_id: uuid.UUID, status: str, at: datetime) -> None:
    """Close the task as the clerk's decision, a return or a cancellation does."""
    await connection.execute(
        "UPDATE tasks SET status = $2, completed_at = $3, version = version + 1 WHERE id = $1", task_id, status, at
    )
