"""SQL of the routing schema: dossiers with their plan document, and the audit trail."""

from uuid import UUID

import asyncpg
from pydantic import TypeAdapter

from services.routing.domain.plan import AuditEntry, DossierPlan
from shared.contracts import Applicant, DossierSubmitted

_PLAN = TypeAdapter(DossierPlan)


async def insert_dossier(connection: asyncpg.Connection, event: DossierSubmitted, plan: DossierPlan) -> None:
    await connection.execute(
        "INSERT INTO dossiers (id, code, procedure_code, commune_code, province_code, applicant, received_at,"
        " status, catalogue_version, rules_version, updated_at, due_at, plan)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now(), $11, $12)",
        event.dossier_id,
        event.dossier_code,
        event.procedure_code,
        event.commune_code,
        event.province_code,
        event.applicant.model_dump_json(),
        event.received_at,
        plan.status.value,
        plan.catalogue_version,
        plan.rules_version,
        plan.due_at,
        _PLAN.dump_json(plan).decode(),
    )


async def lock_plan(connection: asyncpg.Connection, dossier_id: UUID) -> tuple[DossierPlan, Applicant] | None:
    """The dossier's plan and applicant, locked until the transaction ends."""
    row = await connection.fetchrow("SELECT plan, applicant FROM dossiers WHERE id = $1 FOR UPDATE", dossier_id)
    if row is None:
        return None
    return _PLAN.validate_json(row["plan"]), Applicant.model_validate_json(row["applicant"])


async def save_plan(connection: asyncpg.Connection, plan: DossierPlan) -> None:
    await connection.execute(
        "UPDATE dossiers SET plan = $2, status = $3, due_at = $4, updated_at = now() WHERE id = $1",
        plan.dossier_id,
        _PLAN.dump_json(plan).decode(),
        plan.status.value,
        plan.due_at,
    )


async def add_audit(connection: asyncpg.Connection, plan: DossierPlan, entries: list[AuditEntry]) -> None:
    await connection.executemany(
        "INSERT INTO routing_audit (dossier_id, at, action, task_key, from_unit, to_unit, rule,"
        " catalogue_version, rules_version, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        [
            (
                plan.dossier_id,
                e.at,
                e.action,
                e.task_key,
                e.from_unit,
                e.to_unit,
                e.rule,
                plan.catalogue_version,
                plan.rules_version,
                e.detail,
            )
            for e in entries
        ],
    )


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
    return _PLAN.validate_json(row["plan"]), list(audit)
