"""Routing's store in PostgreSQL: the dossiers table with its plan document, its documents, and the audit trail."""

from collections.abc import Sequence
from uuid import UUID

import asyncpg
from pydantic import TypeAdapter

from services.routing.adapters import closures_sql
from services.routing.domain.closures import Closure, CountedOn
from services.routing.domain.plan import AuditEntry, DossierPlan
from shared.contracts import Applicant, DocumentRef, DossierFiled, DossierSubmitted
from shared.reference.calendar import WorkingCalendar

PLAN_DOCUMENT = TypeAdapter(DossierPlan)
"""A plan as the JSON document the ``plan`` column holds (its documents are rows of ``dossier_documents``)."""

KEPT_APART = {"documents"}
"""The plan's fields kept in their own table, not in the JSON document."""


def plan_json(plan: DossierPlan) -> str:
    """The plan's JSON document, without what is kept in its own table."""
    return PLAN_DOCUMENT.dump_json(plan, exclude=KEPT_APART).decode()


class PostgresRoutingStore:
    """:class:`~services.routing.store.RoutingStore` on a connection in a transaction."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def add(self, dossier: DossierSubmitted | DossierFiled, plan: DossierPlan) -> None:
        written = await self.connection.execute(
            "INSERT INTO dossiers (id, code, procedure_code, commune_code, province_code, applicant, received_at,"
            " status, catalogue_version, rules_version, updated_at, due_at, plan)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now(), $11, $12)"
            " ON CONFLICT (id) DO UPDATE SET procedure_code = EXCLUDED.procedure_code,"
            " commune_code = EXCLUDED.commune_code, province_code = EXCLUDED.province_code,"
            " applicant = EXCLUDED.applicant, received_at = EXCLUDED.received_at, status = EXCLUDED.status,"
            " catalogue_version = EXCLUDED.catalogue_version, rules_version = EXCLUDED.rules_version,"
            " updated_at = now(), due_at = EXCLUDED.due_at, plan = EXCLUDED.plan"
            " WHERE dossiers.status = 'new' AND $13",
            dossier.dossier_id,
            dossier.dossier_code,
            dossier.procedure_code,
            dossier.commune_code,
            dossier.province_code,
            dossier.applicant.model_dump_json(),
            plan.received_at,
            plan.status.value,
            plan.catalogue_version,
            plan.rules_version,
            plan.due_at,
            plan_json(plan),
            isinstance(dossier, DossierSubmitted),
        )
        if written.split()[-1] != "1":
            raise ValueError(f"dossier {dossier.dossier_code} is already kept")
        await self._keep_documents(plan)

    async def get_for_update(self, dossier_id: UUID) -> tuple[DossierPlan, Applicant] | None:
        row = await self.connection.fetchrow(
            "SELECT plan, applicant FROM dossiers WHERE id = $1 FOR UPDATE", dossier_id
        )
        if row is None:
            return None
        plan = PLAN_DOCUMENT.validate_json(row["plan"])
        rows = await self.connection.fetch(
            "SELECT document_id, name, media_type, size, sha256, role, catalogue_key FROM dossier_documents"
            " WHERE dossier_id = $1 ORDER BY id",
            dossier_id,
        )
        plan.documents = [DocumentRef.model_validate(dict(document)) for document in rows]
        return plan, Applicant.model_validate_json(row["applicant"])

    async def save(self, plan: DossierPlan, audit: Sequence[AuditEntry]) -> None:
        await self.connection.execute(
            "UPDATE dossiers SET plan = $2, status = $3, due_at = $4, updated_at = now() WHERE id = $1",
            plan.dossier_id,
            plan_json(plan),
            plan.status.value,
            plan.due_at,
        )
        await self._keep_documents(plan)
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

    async def _keep_documents(self, plan: DossierPlan) -> None:
        """Add the plan's documents not kept yet, in their order (the rows are never changed)."""
        if not plan.documents:
            return
        await self.connection.executemany(
            "INSERT INTO dossier_documents (dossier_id, document_id, sha256, name, media_type, size, role,"
            " catalogue_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dossier_id, document_id) DO NOTHING",
            [
                (
                    plan.dossier_id,
                    d.document_id,
                    d.sha256,
                    d.name,
                    d.media_type.value,
                    d.size,
                    d.role.value,
                    d.catalogue_key,
                )
                for d in plan.documents
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
