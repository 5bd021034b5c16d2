"""Intake's store on PostgreSQL: the SQL of the intake schema's dossiers, numbers and history."""

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from services.intake.documents.postgres import PostgresDocumentsStore
from services.intake.domain.identity import IdentityState, IdentityStatus
from services.intake.domain.identity_decision import Decision
from services.intake.payments.postgres import PostgresPaymentsStore
from services.intake.returns.postgres import PostgresResultStore
from services.intake.store import Dossier, FollowedChange, IdentityRecheck, NewDossier, RoutingStatus
from shared.contracts import Applicant, DossierStatus, IdentityDecision
from shared.kernel.polling import LeasedRows

DOSSIER_COLUMNS = (
    "id, code, procedure_code, receiving_agency, commune_code, province_code, client_id, status,"
    " handling_unit, received_at, due_at, updated_at, components, missing, portal_dossier_id,"
    " identity_status, identity_detail, identity_attempts, identity_checked_at, identity_version, identity_decision,"
    " identity_decided_at, result_delivery"
)

PENDING_IDENTITIES = LeasedRows(
    table="dossiers",
    due_column="identity_next_check_at",
    ready="identity_status = 'pending'",
    returning="id, code, applicant, identity_attempts",
    claim_set="identity_claim = $3",
)
"""Pending identity checks, claimed by one instance at a time under a lease (see ``identity/rechecker.py``)."""


class PostgresIntakeStore(PostgresDocumentsStore, PostgresResultStore, PostgresPaymentsStore):
    """:class:`~services.intake.store.IntakeStore` on a connection (in a transaction for the locks)."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def next_sequence(self, agency_id: str, day: date) -> int:
        # The row lock of the upsert makes each number unique. Called outside a transaction, the
        # statement commits at once and releases it: receipts of one centre never queue behind
        # each other's whole transaction (they did when the number was taken inside it).
        value = await self.connection.fetchval(
            "INSERT INTO dossier_sequences (agency_id, day, last) VALUES ($1, $2, 1)"
            " ON CONFLICT (agency_id, day) DO UPDATE SET last = dossier_sequences.last + 1 RETURNING last",
            agency_id,
            day,
        )
        return int(value)

    async def add_dossier(self, dossier: NewDossier) -> None:
        identity = dossier.identity
        await self.connection.execute(
            "INSERT INTO dossiers (id, code, procedure_code, receiving_agency, commune_code, province_code,"
            " applicant, client_id, status, handling_unit, received_at, updated_at, due_at, components,"
            " portal_dossier_id, identity_status, identity_detail, identity_attempts, identity_checked_at,"
            " identity_next_check_at, lookup_secret_hash, identity_version, missing, result_delivery, postal_address)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $4, $10, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 1,"
            " $20, $21, $22)",
            dossier.dossier_id,
            dossier.code,
            dossier.procedure_code,
            dossier.receiving_agency,
            dossier.commune_code,
            dossier.province_code,
            dossier.applicant.model_dump_json(),
            dossier.client_id,
            dossier.status.value,
            dossier.received_at,
            dossier.due_at,
            list(dossier.components),
            dossier.portal_dossier_id,
            identity.status.value,
            identity.detail,
            identity.attempts,
            identity.checked_at,
            identity.next_check_at,
            dossier.lookup_secret_hash,
            list(dossier.missing),
            dossier.result_delivery.value,
            dossier.postal_address,
        )

    async def add_history(
        self, dossier_id: UUID, status: DossierStatus, unit: str | None, note: str | None, at: datetime
    ) -> None:
        await self.connection.execute(
            "INSERT INTO dossier_history (dossier_id, status, unit, note, at) VALUES ($1, $2, $3, $4, $5)",
            dossier_id,
            status.value,
            unit,
            note,
            at,
        )

    async def history(self, dossier_id: UUID) -> list[Mapping[str, Any]]:
        return list(
            await self.connection.fetch(
                "SELECT status, unit, note, at FROM dossier_history WHERE dossier_id = $1 ORDER BY id", dossier_id
            )
        )

    async def dossier(self, dossier_id: UUID) -> Dossier | None:
        return await self._row(f"SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE id = $1", dossier_id)

    async def dossier_by_code(self, code: str) -> Dossier | None:
        return await self._row(f"SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE code = $1", code)

    async def applicant(self, dossier_id: UUID) -> Applicant | None:
        stored = await self.connection.fetchval("SELECT applicant FROM dossiers WHERE id = $1", dossier_id)
        return None if stored is None else Applicant.model_validate_json(stored)

    async def applicant_citizen_id(self, code: str) -> str | None:
        citizen_id: str | None = await self.connection.fetchval(
            "SELECT applicant->>'citizen_id' FROM dossiers WHERE code = $1", code
        )
        return citizen_id

    async def lookup_secret_hash(self, code: str) -> str | None:
        digest: str | None = await self.connection.fetchval(
            "SELECT lookup_secret_hash FROM dossiers WHERE code = $1", code
        )
        return digest

    async def lock_dossier(self, code: str) -> Dossier | None:
        return await self._row(f"SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE code = $1 FOR UPDATE", code)

    async def portal_dossier(self, portal_dossier_id: str) -> Dossier | None:
        return await self._row(
            f"SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE portal_dossier_id = $1", portal_dossier_id
        )

    async def lock_portal_dossier_id(self, portal_dossier_id: str) -> None:
        await self.connection.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1))", f"portal-dossier:{portal_dossier_id}"
        )

    async def routing_status(self, dossier_id: UUID) -> RoutingStatus | None:
        row = await self.connection.fetchrow(
            "SELECT status, handling_unit, status_sequence FROM dossiers WHERE id = $1 FOR UPDATE", dossier_id
        )
        if row is None:
            return None
        return RoutingStatus(DossierStatus(row["status"]), row["handling_unit"], row["status_sequence"])

    async def follow_status(self, dossier_id: UUID, change: FollowedChange) -> None:
        await self.connection.execute(
            "UPDATE dossiers SET status = $2, handling_unit = coalesce($3, handling_unit),"
            " status_sequence = coalesce($4, status_sequence), due_at = coalesce($5, due_at),"
            " missing = coalesce($6, missing), updated_at = coalesce($7, updated_at) WHERE id = $1",
            dossier_id,
            change.status.value,
            change.handling_unit,
            change.sequence,
            change.due_at,
            None if change.missing is None else list(change.missing),
            change.moved_at,
        )

    async def claim_identity_rechecks(
        self, now: datetime, lease: timedelta, claim: UUID, batch: int
    ) -> list[IdentityRecheck]:
        rows = await PENDING_IDENTITIES.claim(self.connection, now=now, lease=lease, batch=batch, claim=claim)
        return [
            IdentityRecheck(
                row["id"], row["code"], Applicant.model_validate_json(row["applicant"]), row["identity_attempts"]
            )
            for row in rows
        ]

    async def record_identity_outcome(self, dossier_id: UUID, claim: UUID, state: IdentityState) -> Dossier | None:
        # Fenced by the claim: an instance whose lease ended and whose dossier was claimed again stores nothing.
        return await self._row(
            "UPDATE dossiers SET identity_status = $3, identity_detail = $4, identity_attempts = $5,"
            " identity_checked_at = $6, identity_next_check_at = $7, identity_claim = NULL,"
            " identity_version = identity_version + (identity_status <> $3)::int"
            " WHERE id = $1 AND identity_claim = $2 AND identity_status = $8"
            " RETURNING status, handling_unit, identity_version, identity_decision",
            dossier_id,
            claim,
            state.status.value,
            state.detail,
            state.attempts,
            state.checked_at,
            state.next_check_at,
            IdentityStatus.PENDING.value,
        )

    async def record_identity_decision(self, dossier_id: UUID, decision: Decision, by: str, at: datetime) -> int:
        evidence = decision.evidence
        version = await self.connection.fetchval(
            "UPDATE dossiers SET identity_decision = $2, identity_decided_by = $3, identity_decided_at = $4,"
            " identity_evidence_kind = $5, identity_evidence_last4 = $6, identity_version = identity_version + 1,"
            " identity_next_check_at = CASE WHEN $2 = $7 THEN NULL ELSE identity_next_check_at END"
            " WHERE id = $1 RETURNING identity_version",
            dossier_id,
            decision.decision.value,
            by,
            at,
            evidence.kind.value if evidence else None,
            evidence.number_last4 if evidence else None,
            IdentityDecision.REFUSED.value,
        )
        return int(version)

    async def _row(self, query: str, *args: object) -> Dossier | None:
        row: Dossier | None = await self.connection.fetchrow(query, *args)
        return row
