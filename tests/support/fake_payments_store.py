"""The payments' part of intake's store in memory (a base of the fake intake store), for the fast tier."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from services.intake.domain.completeness import FeeDue
from services.intake.payments.rules import PAYABLE, Fee, KnownPayment, NewPayment, PaidCallback, PaymentStatus
from services.intake.payments.store import CreatedPayment, FeesToCollect, PaymentRecord, PaymentToCreate


@dataclass(frozen=True)
class FakePayment:
    """A payment row."""

    new: NewPayment
    created_at: datetime
    status: PaymentStatus = PaymentStatus.DUE
    attempts: int = 0
    next_attempt_at: datetime | None = None
    claim: UUID | None = None
    last_error: str | None = None
    created: CreatedPayment | None = None
    transaction_id: str | None = None
    paid_at: datetime | None = None
    receipt_document_id: UUID | None = None


class FakePaymentsStore:
    """:class:`~services.intake.payments.store.PaymentsStore` over a dict by payment id."""

    dossiers: dict[UUID, dict[str, Any]]
    receipt_fees: dict[UUID, list[FeeDue]]

    def __init__(self) -> None:
        self.payments: dict[UUID, FakePayment] = {}

    async def fees_to_collect(self, batch: int) -> list[FeesToCollect]:
        asked = {p.new.dossier_id for p in self.payments.values() if p.new.cause == "receipt-fees"}
        found = []
        for dossier_id, fees in self.receipt_fees.items():
            row = self.dossiers[dossier_id]
            unpaid = tuple(Fee(f.name_vi, f.amount_vnd) for f in fees if not f.paid)
            if unpaid and row["status"] == "new" and dossier_id not in asked:
                found.append(FeesToCollect(dossier_id, row["code"], unpaid))
        return sorted(found, key=lambda f: f.code)[:batch]

    async def add_payment(self, payment: NewPayment, at: datetime) -> bool:
        if any((p.new.dossier_id, p.new.cause) == (payment.dossier_id, payment.cause) for p in self.payments.values()):
            return False
        self.payments[payment.payment_id] = FakePayment(payment, at, next_attempt_at=at)
        return True

    async def claim_payments(self, now: datetime, lease: timedelta, claim: UUID, batch: int) -> list[PaymentToCreate]:
        due = [
            p
            for p in self.payments.values()
            if p.status is PaymentStatus.DUE
            and p.next_attempt_at is not None
            and p.next_attempt_at <= now
            and self.dossiers[p.new.dossier_id]["status"] == PAYABLE[p.new.purpose].value
        ]
        claimed = sorted(due, key=lambda p: p.next_attempt_at or now)[:batch]
        for p in claimed:
            self.payments[p.new.payment_id] = replace(p, next_attempt_at=now + lease, claim=claim)
        return [
            PaymentToCreate(
                p.new.payment_id,
                self.dossiers[p.new.dossier_id]["code"],
                p.new.amount_vnd,
                p.new.description,
                p.attempts,
            )
            for p in claimed
        ]

    async def record_payment_created(
        self, payment_id: UUID, claim: UUID, created: CreatedPayment, at: datetime
    ) -> bool:
        payment = self.payments[payment_id]
        if payment.claim != claim or payment.status is not PaymentStatus.DUE:
            return False
        self.payments[payment_id] = replace(
            payment,
            status=PaymentStatus.PENDING,
            created=created,
            attempts=payment.attempts + 1,
            next_attempt_at=None,
            claim=None,
            last_error=None,
        )
        return True

    async def record_payment_not_created(
        self, payment_id: UUID, claim: UUID, error: str, next_attempt_at: datetime | None
    ) -> bool:
        payment = self.payments[payment_id]
        if payment.claim != claim or payment.status is not PaymentStatus.DUE:
            return False
        self.payments[payment_id] = replace(
            payment,
            status=PaymentStatus.DUE if next_attempt_at else PaymentStatus.FAILED,
            attempts=payment.attempts + 1,
            next_attempt_at=next_attempt_at,
            claim=None,
            last_error=error,
        )
        return True

    async def known_payment(self, payment_id: UUID, *, lock: bool = False) -> KnownPayment | None:
        payment = self.payments.get(payment_id)
        if payment is None:
            return None
        new = payment.new
        return KnownPayment(
            new.payment_id,
            new.dossier_id,
            self.dossiers[new.dossier_id]["code"],
            new.purpose,
            new.amount_vnd,
            payment.status,
            payment.created.platform_payment_id if payment.created else None,
        )

    async def record_payment_paid(self, payment_id: UUID, callback: PaidCallback, receipt_document_id: UUID) -> None:
        payment = self.payments[payment_id]
        created = payment.created or CreatedPayment(callback.platform_payment_id, "", "")
        self.payments[payment_id] = replace(
            payment,
            status=PaymentStatus.PAID,
            created=created,
            transaction_id=callback.transaction_id,
            paid_at=callback.paid_at,
            receipt_document_id=receipt_document_id,
            next_attempt_at=None,
            claim=None,
        )

    async def dossier_payments(self, dossier_id: UUID) -> list[PaymentRecord]:
        return [
            PaymentRecord(
                p.new.payment_id,
                p.new.purpose,
                p.new.amount_vnd,
                p.new.description,
                p.status,
                p.created.pay_url if p.created else None,
                p.created.qr_payload if p.created else None,
                p.created_at,
                p.paid_at,
                p.receipt_document_id,
            )
            for p in sorted(self.payments.values(), key=lambda p: p.created_at)
            if p.new.dossier_id == dossier_id
        ]
