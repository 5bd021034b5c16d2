"""Routing's store in PostgreSQL: the dossiers table with its plan document, and the audit trail."""

from collections.abc import Sequence
from uuid import UUID

import asyncpg
from pydantic import TypeAdapter

from services.routing.adapters import closures_sql
from services.routing.domain.closures import Closure, CountedOn
from services.routing.domain.plan import AuditEntry, DossierPlan
from shared.contracts import Applicant, DossierSubmitted
from shared.reference.calendar import WorkingCalendar

PLAN_DOCUMENT = TypeAdapter(DossierPlan)
"""A plan as the JSON document the ``plan`` column holds."""


class PostgresRoutingStore:
    """:class:`~services.routing.store.RoutingStore` on a connection in a transaction."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def add(self, submitted: DossierSubmitted, plan: DossierPlan) -> None:
        await self.connection.execute(
            "INSERT INTO dossiers (id, code, procedure_code, commune_code, province_code, applicant, received_at,"
            " status, catalogue_version, rules_version, updated_at, due_at, plan)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now(), $11, $12)",
            submitted.dossier_id,
            submitted.dossier_code,
            submitted.procedure_code,
            submitted.commune_code,
            submitted.province_code,
            submitted.applicant.model_dump_json(),
            submitted.received_at,
            plan.status.value,
            plan.catalogue_version,
            plan.rules_version,
            plan.due_at,
            PLAN_DOCUMENT.dump_json(plan).decode(),
        )

    async def get_for_update(self, dossier_id: UUID) -> tuple[DossierPlan, Applicant] | None:
        row = await self.connection.fetchrow(
            "SELECT plan, applicant FROM dossiers WHERE id = $1 FOR UPDATE", dossier_id
        )
        if row is None:
            return None
        return PLAN_DOCUMENT.validate_json(row["plan"]), Applicant.model_validate_json(row["applicant"])

    async def save(self, plan: DossierPlan, audit: Sequence[AuditEntry]) -> None:
        await self.connection.execute(
            "UPDATE dossiers SET plan = $2, status = $3, due_at = $4, updated_at = now() WHERE id = $1",
            plan.dossier_id,
            PLAN_DOCUMENT.dump_json(plan).decode(),
            plan.status.value,
            plan.due_at,
        )
        await self.connection.executemany(
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
                for e in audit
            ],
        )

    async def calendar_counted_on(self, dossier_id: UUID) -> CountedOn | None:
        row = await self.connection.fetchrow(
            "SELECT calendar_fingerprint, closed_days FROM dossiers WHERE id = $1 FOR UPDATE", dossier_id
        )
        return CountedOn(row["calendar_fingerprint"], frozenset(row["closed_days"])) if row else None

    async def count_on(self, dossier_id: UUID, counted: CountedOn) -> None:
        await self.connection.execute(
            "UPDATE dossiers SET calendar_fingerprint = $2, closed_days = $3 WHERE id = $1",
            dossier_id,
            counted.fingerprint,
            sorted(counted.closed_days),
        )

    async def closures_in(self, province_code: str) -> list[Closure]:
        return await closures_sql.closures(self.connection, province_code)

    async def calendar_version(self, fingerprint: str) -> WorkingCalendar | None:
        return await closures_sql.calendar_version(self.connection, fingerprint)
