"""Where the department records the results returned to applicants, for the public board: the port and its
PostgreSQL mixin (bases of the department's store)."""

from datetime import datetime
from typing import Protocol

import asyncpg

from shared.contracts import ResultReturned


class ReturnedResultStore(Protocol):
    """The results the department's units issued that were handed back, one per dossier."""

    async def record_result_returned(self, returned: ResultReturned, province_code: str, at: datetime) -> bool:
        """Record the return (the dossier's province given); False, recording nothing, when it was recorded."""
        ...


class PostgresReturnedResultStore:
    """:class:`ReturnedResultStore` on the unit of work's connection."""

    connection: asyncpg.Connection

    async def record_result_returned(self, returned: ResultReturned, province_code: str, at: datetime) -> bool:
        recorded = await self.connection.fetchval(
            "INSERT INTO results_returned (dossier_id, dossier_code, unit_code, province_code, way, due_at,"
            " returned_at, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (dossier_id) DO NOTHING RETURNING true",
            returned.dossier_id,
            returned.dossier_code,
            returned.unit_code,
            province_code,
            returned.way.value,
            returned.due_at,
            returned.returned_at,
            at,
        )
        return bool(recorded)
