"""What a dossier pays and when the payment platform's word is taken: the rules alone."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from services.intake.payments.rules import (
    DESCRIPTION_LENGTH,
    AlreadyPaid,
    Fee,
    KnownPayment,
    PaidCallback,
    PaymentStatus,
    Purpose,
    Refusal,
    Refused,
    Take,
    fees_payment,
    judge,
    obligation_payment,
)

CODE = "000.01.15.H40-261202-0001"
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def test_receipt_fees_are_one_payment_of_their_sum_naming_each_fee_and_the_dossier() -> None:
    dossier = uuid4()
    fees = (Fee("Lệ phí cấp Giấy chứng nhận", 100_000), Fee("Phí thẩm định", 25_000))

    payment = fees_payment(uuid4(), dossier, CODE, fees)

    assert (payment.dossier_id, payment.purpose, payment.cause) == (dossier, Purpose.RECEIPT_FEES, "receipt-fees")
    assert payment.amount_vnd == 125_000
    assert payment.description == f"Lệ phí cấp Giấy chứng nhận; Phí thẩm định (hồ sơ {CODE})"


def test_a_long_description_is_cut_to_fit_and_keeps_the_dossier_code() -> None:
    payment = fees_payment(uuid4(), uuid4(), CODE, (Fee("Lệ phí " * 200, 1),))

    assert len(payment.description) == DESCRIPTION_LENGTH
    assert payment.description.endswith(f"… (hồ sơ {CODE})")


def test_there_is_no_fee_payment_without_an_unpaid_fee() -> None:
    with pytest.raises(ValueError, match="no unpaid fee"):
        fees_payment(uuid4(), uuid4(), CODE, ())


def test_an_obligation_is_one_payment_per_status_change_to_paying() -> None:
    dossier = uuid4()

    numbered = obligation_payment(uuid4(), dossier, CODE, 2_500_000, "Tiền sử dụng đất", 6, NOW)
    unnumbered = obligation_payment(uuid4(), dossier, CODE, 2_500_000, "Tiền sử dụng đất", None, NOW)

    assert (numbered.purpose, numbered.cause, numbered.amount_vnd) == (Purpose.OBLIGATION, "obligation:6", 2_500_000)
    assert numbered.description == f"Tiền sử dụng đất (hồ sơ {CODE})"
    assert unnumbered.cause == f"obligation:{NOW.isoformat()}"


def _known(status: PaymentStatus = PaymentStatus.PENDING, platform_id: str | None = "pay-1") -> KnownPayment:
    return KnownPayment(uuid4(), uuid4(), CODE, Purpose.RECEIPT_FEES, 100_000, status, platform_id)


def _callback(payment: KnownPayment, amount: int = 100_000, platform_id: str = "pay-1") -> PaidCallback:
    return PaidCallback(platform_id, payment.payment_id, amount, "TX1", NOW)


def test_a_callback_for_a_pending_payment_of_its_amount_is_taken() -> None:
    payment = _known()

    assert judge(payment, _callback(payment)) == Take()


def test_a_callback_for_a_payment_the_platform_had_not_confirmed_yet_is_taken() -> None:
    payment = _known(PaymentStatus.DUE, platform_id=None)

    assert judge(payment, _callback(payment, platform_id="pay-9")) == Take()


def test_the_same_payment_told_paid_again_changes_nothing() -> None:
    payment = _known(PaymentStatus.PAID)

    assert judge(payment, _callback(payment)) == AlreadyPaid()


@pytest.mark.parametrize(
    ("payment", "amount", "platform_id", "reason", "field"),
    [
        (None, 100_000, "pay-1", Refusal.UNKNOWN, "merchant_ref"),
        (_known(), 100_000, "pay-2", Refusal.UNKNOWN, "merchant_ref"),
        (_known(), 10_000, "pay-1", Refusal.AMOUNT, "amount_vnd"),
        (_known(PaymentStatus.PAID), 100_001, "pay-1", Refusal.AMOUNT, "amount_vnd"),
    ],
    ids=["unknown-ref", "another-platform-id", "less-paid", "more-paid-after-paid"],
)
def test_a_callback_for_another_payment_or_amount_is_refused(
    payment: KnownPayment | None, amount: int, platform_id: str, reason: Refusal, field: str
) -> None:
    callback = PaidCallback(platform_id, payment.payment_id if payment else uuid4(), amount, "TX1", NOW)

    verdict = judge(payment, callback)

    assert isinstance(verdict, Refused)
    assert (verdict.reason, verdict.field) == (reason, field)
