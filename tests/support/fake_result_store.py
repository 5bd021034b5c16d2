"""The returns' part of intake's store in memory (a base of the fake intake store), for the fast tier."""

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from services.intake.returns.rules import Returned
from services.intake.returns.store import KeptResult, Shipment, ShipmentOrder, ShipmentStatus
from shared.contracts.documents import DocumentRef, ResultDelivery, ResultKind


class FakeResultStore:
    """:class:`~services.intake.returns.store.ResultStore` in dicts; shipments keep their due time and claim."""

    dossiers: dict[UUID, dict[str, Any]]

    def __init__(self) -> None:
        self.results: dict[UUID, KeptResult] = {}
        self.shipments: dict[UUID, dict[str, Any]] = {}
        """By dossier id: a :class:`Shipment`'s fields and ``next_attempt_at``, ``claim``."""

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
        if dossier_id in self.results:
            return False
        self.results[dossier_id] = KeptResult(dossier_id, kind, document, issued_by, delivery, at)
        return True

    async def result_of(self, dossier_id: UUID) -> KeptResult | None:
        return self.results.get(dossier_id)

    async def lock_result(self, dossier_id: UUID) -> KeptResult | None:
        return self.results.get(dossier_id)

    async def record_return(self, dossier_id: UUID, returned: Returned) -> None:
        kept = self.results[dossier_id]
        if kept.returned is None:
            self.results[dossier_id] = replace(kept, returned=returned)
        shipment = self.shipments.get(dossier_id)
        if shipment is not None and shipment["status"] is ShipmentStatus.PENDING:
            shipment.update(status=ShipmentStatus.NOT_NEEDED, claim=None)

    async def add_shipment(self, dossier_id: UUID, reference: str, due_at: datetime) -> bool:
        if dossier_id in self.shipments:
            return False
        self.shipments[dossier_id] = {
            "shipment_id": uuid4(),
            "dossier_id": dossier_id,
            "reference": reference,
            "status": ShipmentStatus.PENDING,
            "tracking_id": None,
            "attempts": 0,
            "shipped_at": None,
            "delivered_at": None,
            "last_error": None,
            "next_attempt_at": due_at,
            "claim": None,
        }
        return True

    async def shipment_of(self, dossier_id: UUID) -> Shipment | None:
        row = self.shipments.get(dossier_id)
        return None if row is None else _shipment(row)

    async def claim_shipments(self, now: datetime, lease: timedelta, claim: UUID, batch: int) -> list[ShipmentOrder]:
        due = sorted(
            (
                s
                for s in self.shipments.values()
                if s["status"] is ShipmentStatus.PENDING and s["next_attempt_at"] <= now
            ),
            key=lambda s: s["next_attempt_at"],
        )[:batch]
        orders = []
        for row in due:
            row.update(next_attempt_at=now + lease, claim=claim)
            dossier = self.dossiers[row["dossier_id"]]
            recipient = dossier["applicant"].full_name
            orders.append(
                ShipmentOrder(
                    row["shipment_id"],
                    row["dossier_id"],
                    row["reference"],
                    row["attempts"],
                    recipient,
                    dossier.get("postal_address"),
                )
            )
        return orders

    async def record_shipped(self, shipment_id: UUID, claim: UUID, tracking_id: str, at: datetime) -> bool:
        row = self._by_id(shipment_id)
        if row["claim"] != claim or row["status"] is not ShipmentStatus.PENDING:
            return False
        row.update(
            status=ShipmentStatus.SHIPPED,
            tracking_id=tracking_id,
            shipped_at=at,
            claim=None,
            attempts=row["attempts"] + 1,
            last_error=None,
        )
        return True

    async def record_shipping_failed(
        self, shipment_id: UUID, claim: UUID, error: str, *, retry_at: datetime | None
    ) -> None:
        row = self._by_id(shipment_id)
        if row["claim"] != claim or row["status"] is not ShipmentStatus.PENDING:
            return
        row.update(attempts=row["attempts"] + 1, last_error=error, claim=None)
        if retry_at is None:
            row["status"] = ShipmentStatus.REFUSED
        else:
            row["next_attempt_at"] = retry_at

    async def lock_shipment_by_tracking(self, tracking_id: str) -> Shipment | None:
        row = next((s for s in self.shipments.values() if s["tracking_id"] == tracking_id), None)
        return None if row is None else _shipment(row)

    async def record_delivered(self, shipment_id: UUID, at: datetime) -> None:
        self._by_id(shipment_id).update(status=ShipmentStatus.DELIVERED, delivered_at=at)

    def _by_id(self, shipment_id: UUID) -> dict[str, Any]:
        return next(s for s in self.shipments.values() if s["shipment_id"] == shipment_id)


def _shipment(row: dict[str, Any]) -> Shipment:
    return Shipment(
        row["shipment_id"],
        row["dossier_id"],
        row["reference"],
        row["status"],
        row["tracking_id"],
        row["attempts"],
        row["shipped_at"],
        row["delivered_at"],
        row["last_error"],
    )
