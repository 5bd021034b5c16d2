"""Routing's reads for its HTTP API, straight from the tables (no use case runs for a read)."""

import asyncpg

from services.routing.adapters.postgres_store import PLAN_DOCUMENT
from services.routing.domain.plan import DossierPlan


async def plan_by_code(connection: asyncpg.Connection, code: str) -> tuple[DossierPlan, list[asyncpg.Record]] | None:
    """The plan of the dossier with this code and its audit trail, oldest first."""
    row = await connection.fetchrow("SELECT id, plan FROM dossiers WHERE code = $1", code)
    if row is None or row["plan"] is None:
        return None
    audit = await connection.fetch(
        "SELECT at, action, task_key, from_unit, to_unit, rule, catalogue_version, rules_version, detail"
        " FROM routing_audit WHERE dossier_id = $1 ORDER BY id",
        row["id"],
    )
    return PLAN_DOCUMENT.validate_json(row["plan"]), list(audit)
