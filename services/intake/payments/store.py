"""Intake's payments as its use cases see them (a base of :class:`~services.intake.store.IntakeStore`)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from services.intake.payments.rules import Fee, KnownPayment, NewPayment, PaidCallback, PaymentStatus, Purpose


@dataclass(frozen=True)
class FeesToCollect:
    """A ``new`` dossier whose receipt fees are unpaid and not yet asked of the payment platform."""

    dossier_id: UUID
    code: str
    unpaid: tuple[Fee, ...]


@dataclass(frozen=True)
class PaymentToCreate:
    """A due payment claimed by one pass of one instance, to create at the platform."""

    payment_id: UUID
    code: str
    amount_vnd: int
    description: str
    attempts: int
    """Creations tried before this one."""


@dataclass(frozen=True)
class CreatedPayment:
    """The platform's answer to a creation: where and how the applicant pays."""

    platform_payment_id: str
    pay_url: str
    qr_payload: str


@dataclass(frozen=True)
class PaymentRecord:
    """A payment as the dossier's view shows it."""

    payment_id: UUID
    purpose: Purpose
    amount_vnd: int
    description: str
    status: PaymentStatus
    pay_url: str | None
    qr_payload: str | None
    created_at: datetime
    paid_at: datetime | None
    receipt_document_id: UUID | None


class PaymentsStore(Protocol):
    """Port: the payments of dossiers, from due to paid."""

    async def fees_to_collect(self, batch: int) -> list[FeesToCollect]:
        """Up to ``batch`` ``new`` dossiers with unpaid receipt fees and no payment for them yet."""
        ...

    async def add_payment(self, payment: NewPayment, at: datetime) -> bool:
        """Record ``payment`` due now; False (nothing stored) when the dossier has one for the same cause."""
        ...

    async def claim_payments(self, now: datetime, lease: timedelta, claim: UUID, batch: int) -> list[PaymentToCreate]:
        """Claim up to ``batch`` due payments of dossiers in the status that pays them (the fees of a ``new`` one, the
        obligation of a ``paying`` one); until ``lease`` ends, no one else sees them due."""
        ...

    async def record_payment_created(
        self, payment_id: UUID, claim: UUID, created: CreatedPayment, at: datetime
    ) -> bool:
        """The platform created the payment: pending, payable by its link; False when the claim was lost."""
        ...

    async def record_payment_not_created(
        self, payment_id: UUID, claim: UUID, error: str, next_attempt_at: datetime | None
    ) -> bool:
        """The creation failed: tried again at ``next_attempt_at``, or failed for good when None; False when the claim
        was lost."""
        ...

    async def known_payment(self, payment_id: UUID, *, lock: bool = False) -> KnownPayment | None:
        """The payment with this id (the merchant_ref), locked until the transaction ends when ``lock``."""
        ...

    async def record_payment_paid(self, payment_id: UUID, callback: PaidCallback, receipt_document_id: UUID) -> None:
        """The payment is paid, as the platform's callback said, its e-receipt kept as ``receipt_document_id``."""
        ...

    async def dossier_payments(self, dossier_id: UUID) -> list[PaymentRecord]:
        """The dossier's payments, oldest first."""
        ...
