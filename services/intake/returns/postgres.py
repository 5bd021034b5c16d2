"""The returns' SQL on intake's schema (tables of ``migrations/0015_results.sql``), a base of the intake store."""

from datetime import datetime, timedelta
from uuid import UUID, uuid4

import asyncpg

from services.intake.returns.rules import Returned
from services.intake.returns.store import KeptResult, Shipment, ShipmentOrder, ShipmentStatus
from shared.contracts.documents import DocumentRef, DocumentRole, MediaType, ResultDelivery, ResultKind
from shared.kernel.polling import LeasedRows

RESULT_COLUMNS = (
    "dossier_id, kind, document_id, name, media_type, size, sha256, issued_by, delivery, kept_at,"
    " returned_way, returned_by, returned_at"
)
SHIPMENT_COLUMNS = "id, dossier_id, reference, status, tracking_id, attempts, shipped_at, delivered_at, last_error"
PENDING_SHIPMENTS = LeasedRows(
    table="result_shipments",
    due_column="next_attempt_at",
    ready="status = 'pending'",
    returning="id, dossier_id, reference, attempts",
    claim_set="claim = $3",
)
"""Shipments waiting for the postal service, claimed by one instance at a time under a lease."""


class PostgresResultStore:
    """:class:`~services.intake.returns.store.ResultStore` on the intake store's connection."""

    connection: asyncpg.Connection

    async def keep_result(
        self,
        dossier_id: UUID,
        kind: ResultKind,
        document: DocumentRef,
        *,
        issued_by: str | None,
        delivery: ResultDelivery | None,
        at: datetime,
    ) -> bool:
        status = await self.connection.execute(
            f"INSERT INTO dossier_results ({RESULT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
            " NULL, NULL, NULL) ON CONFLICT (dossier_id) DO NOTHING",
            dossier_id,
            kind.value,
            document.document_id,
            document.name,
            document.media_type.value,
            document.size,
            document.sha256,
            issued_by,
            None if delivery is None else delivery.value,
            at,
        )
        return bool(status == "INSERT 0 1")

    async def result_of(self, dossier_id: UUID) -> KeptResult | None:
        row = await self.connection.fetchrow(
            f"SELECT {RESULT_COLUMNS} FROM dossier_results WHERE dossier_id = $1", dossier_id
        )
        return None if row is None else _kept(row)

    async def lock_result(self, dossier_id: UUID) -> KeptResult | None:
        row = await self.connection.fetchrow(
            f"SELECT {RESULT_COLUMNS} FROM dossier_results WHERE dossier_id = $1 FOR UPDATE", dossier_id
        )
        return None if row is None else _kept(row)

    async def record_return(self, dossier_id: UUID, returned: Returned) -> None:
        await self.connection.execute(
            "UPDATE dossier_results SET returned_way = $2, returned_by = $3, returned_at = $4"
            " WHERE dossier_id = $1 AND returned_at IS NULL",
            dossier_id,
            returned.way.value,
            returned.by,
            returned.at,
        )
        await self.connection.execute(
            "UPDATE result_shipments SET status = 'not-needed', claim = NULL WHERE dossier_id = $1"
            " AND status = 'pending'",
            dossier_id,
        )

    async def add_shipment(self, dossier_id: UUID, reference: str, due_at: datetime) -> bool:
        status = await self.connection.execute(
            "INSERT INTO result_shipments (id, dossier_id, reference, next_attempt_at, created_at)"
            " VALUES ($1, $2, $3, $4, $4) ON CONFLICT DO NOTHING",
            uuid4(),
            dossier_id,
            reference,
            due_at,
        )
        return bool(status == "INSERT 0 1")

    async def shipment_of(self, dossier_id: UUID) -> Shipment | None:
        row = await self.connection.fetchrow(
            f"SELECT {SHIPMENT_COLUMNS} FROM result_shipments WHERE dossier_id = $1", dossier_id
        )
        return None if row is None else _shipment(row)

    async def claim_shipments(self, now: datetime, lease: timedelta, claim: UUID, batch: int) -> list[ShipmentOrder]:
        rows = await PENDING_SHIPMENTS.claim(self.connection, now=now, lease=lease, batch=batch, claim=claim)
        orders = []
        for row in rows:
            to = await self.connection.fetchrow(
                "SELECT applicant->>'full_name' AS recipient, postal_address FROM dossiers WHERE id = $1",
                row["dossier_id"],
            )
            address = to["postal_address"] if to is not None else None
            recipient = to["recipient"] if to is not None else ""
            orders.append(
                ShipmentOrder(row["id"], row["dossier_id"], row["reference"], row["attempts"], recipient, address)
            )
        return orders

    async def record_shipped(self, shipment_id: UUID, claim: UUID, tracking_id: str, at: datetime) -> bool:
        # Fenced by the claim: an instance whose lease ended and whose shipment was claimed again stores nothing.
        status = await self.connection.execute(
            "UPDATE result_shipments SET status = 'shipped', tracking_id = $3, shipped_at = $4, claim = NULL,"
            " attempts = attempts + 1, last_error = NULL WHERE id = $1 AND claim = $2 AND status = 'pending'",
            shipment_id,
            claim,
            tracking_id,
            at,
        )
        return bool(status == "UPDATE 1")

    async def record_shipping_failed(
        self, shipment_id: UUID, claim: UUID, error: str, *, retry_at: datetime | None
    ) -> None:
        await self.connection.execute(
            "UPDATE result_shipments SET attempts = attempts + 1, last_error = $3, claim = NULL,"
            " status = CASE WHEN $4::timestamptz IS NULL THEN 'refused' ELSE status END,"
            " next_attempt_at = coalesce($4, next_attempt_at)"
            " WHERE id = $1 AND claim = $2 AND status = 'pending'",
            shipment_id,
            claim,
            error[:500],
            retry_at,
        )

    async def lock_shipment_by_tracking(self, tracking_id: str) -> Shipment | None:
        row = await self.connection.fetchrow(
            f"SELECT {SHIPMENT_COLUMNS} FROM result_shipments WHERE tracking_id = $1 FOR UPDATE", tracking_id
        )
        return None if row is None else _shipment(row)

    async def record_delivered(self, shipment_id: UUID, at: datetime) -> None:
        await self.connection.execute(
            "UPDATE result_shipments SET status = 'delivered', delivered_at = $2 WHERE id = $1", shipment_id, at
        )


def _kept(row: asyncpg.Record) -> KeptResult:
    kind = ResultKind(row["kind"])
    document = DocumentRef(
        document_id=row["document_id"],
        name=row["name"],
        media_type=MediaType(row["media_type"]),
        size=row["size"],
        sha256=row["sha256"],
        role=DocumentRole.RESULT if kind is ResultKind.RESULT else DocumentRole.REFUSAL,
    )
    returned = None
    if row["returned_at"] is not None:
        returned = Returned(ResultDelivery(row["returned_way"]), row["returned_by"], row["returned_at"])
    delivery = None if row["delivery"] is None else ResultDelivery(row["delivery"])
    return KeptResult(row["dossier_id"], kind, document, row["issued_by"], delivery, row["kept_at"], returned)


def _shipment(row: asyncpg.Record) -> Shipment:
    return Shipment(
        row["id"],
        row["dossier_id"],
        row["reference"],
        ShipmentStatus(row["status"]),
        row["tracking_id"],
        row["attempts"],
        row["shipped_at"],
        row["delivered_at"],
        row["last_error"],
    )
