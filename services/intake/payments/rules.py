"""What a dossier pays and when a payment platform's word is taken: plain rules, no I/O.

- Receipt fees: one payment for every fee of a ``new`` dossier still unpaid, the sum of them, for
  what the catalogue names them, with the dossier's code (the applicant's bank statement shows it).
- A financial obligation: one payment per status change to ``paying`` that carries one.
- A callback is taken for a payment intake asked for, of the amount asked; the same payment told
  paid again changes nothing.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from services.intake.domain.completeness import vnd
from shared.contracts import DossierStatus

DESCRIPTION_LENGTH = 500


class Purpose(StrEnum):
    """Why the applicant pays."""

    RECEIPT_FEES = "receipt-fees"
    """The fees the catalogue collects at receipt: the dossier is received once they are paid."""
    OBLIGATION = "obligation"
    """A financial obligation a handling unit notified (land use levy, registration fee...)."""


class PaymentStatus(StrEnum):
    """Where a payment stands."""

    DUE = "due"
    """Recorded; not yet created at the payment platform (it is being tried)."""
    PENDING = "pending"
    """Created at the platform: the applicant may pay by its link or QR code."""
    PAID = "paid"
    FAILED = "failed"
    """The platform refused to create it for good (an operator looks at ``last_error``)."""


PAYABLE = {Purpose.RECEIPT_FEES: DossierStatus.NEW, Purpose.OBLIGATION: DossierStatus.PAYING}
"""The dossier's status in which a payment of each purpose is created at the platform."""


@dataclass(frozen=True)
class Fee:
    """A receipt fee of a dossier, as the catalogue set it at filing."""

    name_vi: str
    amount_vnd: int


@dataclass(frozen=True)
class NewPayment:
    """A payment to record due."""

    payment_id: UUID
    dossier_id: UUID
    purpose: Purpose
    cause: str
    """What makes it one payment of its dossier: ``receipt-fees`` or ``obligation:<status sequence>``."""
    amount_vnd: int
    description: str


def fees_payment(payment_id: UUID, dossier_id: UUID, code: str, unpaid: Sequence[Fee]) -> NewPayment:
    """The payment of a dossier's unpaid receipt fees (at least one)."""
    if not unpaid:
        raise ValueError("no unpaid fee to collect")
    what = "; ".join(fee.name_vi for fee in unpaid)
    return NewPayment(
        payment_id,
        dossier_id,
        Purpose.RECEIPT_FEES,
        Purpose.RECEIPT_FEES.value,
        sum(fee.amount_vnd for fee in unpaid),
        _described(what, code),
    )


def obligation_payment(
    payment_id: UUID, dossier_id: UUID, code: str, amount_vnd: int, description: str, sequence: int | None, at: datetime
) -> NewPayment:
    """The payment of the obligation a status change to ``paying`` carried (numbered ``sequence``, or by ``at``)."""
    cause = f"obligation:{sequence}" if sequence is not None else f"obligation:{at.isoformat()}"
    return NewPayment(payment_id, dossier_id, Purpose.OBLIGATION, cause, amount_vnd, _described(description, code))


PAID_NOTES = {Purpose.RECEIPT_FEES: "receipt fees", Purpose.OBLIGATION: "financial obligation"}


def paid_note(purpose: Purpose, amount_vnd: int, transaction_id: str | None = None) -> str:
    """What the dossier's history says of a payment paid, in the entry of the change the payment caused."""
    transaction = f" (transaction {transaction_id})" if transaction_id else ""
    return f"{PAID_NOTES[purpose]} paid: {vnd(amount_vnd)} VND{transaction}"


def _described(what: str, code: str) -> str:
    suffix = f" (hồ sơ {code})"
    room = DESCRIPTION_LENGTH - len(suffix)
    return (what if len(what) <= room else what[: room - 1] + "…") + suffix


@dataclass(frozen=True)
class KnownPayment:
    """What a callback is checked against: the payment intake recorded."""

    payment_id: UUID
    dossier_id: UUID
    code: str
    purpose: Purpose
    amount_vnd: int
    status: PaymentStatus
    platform_payment_id: str | None


@dataclass(frozen=True)
class PaidCallback:
    """The payment platform's word that a payment was paid."""

    platform_payment_id: str
    merchant_ref: UUID
    """Intake's id of the payment."""
    amount_vnd: int
    transaction_id: str
    paid_at: datetime


class Refusal(StrEnum):
    """Why a callback is refused (the metric's ``reason``)."""

    UNSIGNED = "unsigned"
    FORGED = "forged"
    STALE = "stale"
    MALFORMED = "malformed"
    UNKNOWN = "unknown"
    AMOUNT = "amount"


@dataclass(frozen=True)
class Refused:
    """The callback changes nothing: ``reason``, the ``field`` at fault and why."""

    reason: Refusal
    field: str
    detail: str


@dataclass(frozen=True)
class AlreadyPaid:
    """The payment was paid before: the callback is answered and changes nothing."""


@dataclass(frozen=True)
class Take:
    """The callback is the payment's: keep its receipt and mark it paid."""


Verdict = Refused | AlreadyPaid | Take


def judge(payment: KnownPayment | None, callback: PaidCallback) -> Verdict:
    """Whether the callback is taken: for a payment intake asked for, under the platform's id, of its amount."""
    if payment is None or payment.platform_payment_id not in (None, callback.platform_payment_id):
        return Refused(Refusal.UNKNOWN, "merchant_ref", "no payment intake asked for has this merchant_ref and id")
    if callback.amount_vnd != payment.amount_vnd:
        detail = f"{callback.amount_vnd} VND paid, {payment.amount_vnd} VND asked"
        return Refused(Refusal.AMOUNT, "amount_vnd", detail)
    if payment.status is PaymentStatus.PAID:
        return AlreadyPaid()
    return Take()
