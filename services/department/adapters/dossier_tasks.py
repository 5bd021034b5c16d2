"""The tasks of one dossier in every unit it went through: the department's part of the dossier's timeline."""

import asyncpg

from services.department.adapters.repository import TASK_COLUMNS


async def of_dossier(connection: asyncpg.Connection, code: str) -> list[asyncpg.Record]:
    """Every task of the dossier ``code``, oldest assigned first."""
    return list(
        await connection.fetch(
            f"SELECT {TASK_COLUMNS} FROM tasks WHERE dossier_code = $1 ORDER BY assigned_at, id", code
        )
    )
