"""Payments' rows on PostgreSQL: one per cause of a dossier, each claimed by one instance at a time, stored only
under the claim that holds it, and paid with its e-receipt as a document of the dossier."""

import asyncio
import hashlib
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest

from services.intake.adapters.postgres_store import PostgresIntakeStore
from services.intake.domain.completeness import FeeDue
from services.intake.domain.identity import UNCHECKED
from services.intake.payments.rules import Fee, PaidCallback, PaymentStatus, fees_payment, obligation_payment
from services.intake.payments.store import CreatedPayment
from services.intake.store import IntakeStore, NewDossier
from shared.contracts import Applicant, DocumentRef, DocumentRole, DossierStatus, MediaType
from shared.kernel.unit_of_work import Transactions

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
CENTRE = "000.07.15.H91"
APPLICANT = Applicant(citizen_id="091085004321", full_name="Trần Văn Minh", date_of_birth=date(1985, 3, 2))
FEE = FeeDue(1, "Lệ phí cấp Giấy chứng nhận", "Certificate fee", 100_000)
RECEIPT = b"%PDF-1.3\n% e-receipt\n%%EOF\n"


class Intake:
    """Units of work on the integration schema at a clock the test moves."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.now = NOW
        self.transactions: Transactions[IntakeStore] = Transactions(
            lambda: pool, PostgresIntakeStore, "intake", "it.", clock=lambda: self.now
        )

    async def land_dossier(self, status: DossierStatus = DossierStatus.NEW) -> tuple[UUID, str]:
        """A land dossier filed ``new`` with its certificate fee unpaid (or in ``status``)."""
        dossier_id, code = uuid4(), f"{CENTRE}-261202-{uuid4().int % 10**8:08d}"
        async with self.transactions() as uow:
            await uow.store.add_dossier(
                NewDossier(
                    dossier_id=dossier_id,
                    code=code,
                    procedure_code="1.013978",
                    receiving_agency=CENTRE,
                    commune_code="30742",
                    province_code="91",
                    applicant=APPLICANT,
                    client_id="it",
                    received_at=self.now,
                    due_at=None,
                    components=(),
                    identity=UNCHECKED,
                    portal_dossier_id=None,
                    status=status,
                    missing=("Lệ phí cấp Giấy chứng nhận / Certificate fee: 100.000 VND",),
                )
            )
            await uow.store.add_fees(dossier_id, [FEE])
        return dossier_id, code


async def _claim(intake: Intake, claim: UUID) -> set[UUID]:
    async with intake.transactions() as uow:
        claimed = await uow.store.claim_payments(intake.now, timedelta(minutes=1), claim, 100)
        await asyncio.sleep(0.2)  # hold the row locks while the other claimant looks
    return {payment.payment_id for payment in claimed}


async def test_a_new_dossier_with_unpaid_fees_is_found_once_and_gets_one_payment(intake_pool: asyncpg.Pool) -> None:
    intake = Intake(intake_pool)
    dossier_id, code = await intake.land_dossier()

    async with intake.transactions() as uow:
        found = {f.dossier_id: f for f in await uow.store.fees_to_collect(10_000)}
        first = await uow.store.add_payment(fees_payment(uuid4(), dossier_id, code, found[dossier_id].unpaid), NOW)
        second = await uow.store.add_payment(fees_payment(uuid4(), dossier_id, code, found[dossier_id].unpaid), NOW)
        after = {f.dossier_id for f in await uow.store.fees_to_collect(10_000)}

    assert found[dossier_id].code == code
    assert found[dossier_id].unpaid == (Fee("Lệ phí cấp Giấy chứng nhận", 100_000),)
    assert (first, second) == (True, False), "one payment per cause of a dossier"
    assert dossier_id not in after


async def test_two_claimants_never_take_the_same_payment(intake_pool: asyncpg.Pool) -> None:
    intake = Intake(intake_pool)
    ours = set()
    for _ in range(4):
        dossier_id, code = await intake.land_dossier()
        payment = fees_payment(uuid4(), dossier_id, code, (Fee("Lệ phí", 100_000),))
        async with intake.transactions() as uow:
            await uow.store.add_payment(payment, NOW)
        ours.add(payment.payment_id)

    first, second = await asyncio.gather(_claim(intake, uuid4()), _claim(intake, uuid4()))
    third = await _claim(intake, uuid4())

    assert ours <= first | second
    assert not first & second
    assert not ours & third, "claimed payments are not due again while their lease holds"


async def test_a_payment_is_stored_only_under_the_claim_that_holds_it(intake_pool: asyncpg.Pool) -> None:
    intake = Intake(intake_pool)
    intake.now = NOW + timedelta(days=365)  # past every earlier test's leases
    dossier_id, code = await intake.land_dossier()
    payment = fees_payment(uuid4(), dossier_id, code, (Fee("Lệ phí", 100_000),))
    async with intake.transactions() as uow:
        await uow.store.add_payment(payment, intake.now)
    lost, held = uuid4(), uuid4()
    async with intake.transactions() as uow:
        assert payment.payment_id in {
            p.payment_id for p in await uow.store.claim_payments(intake.now, timedelta(0), lost, 100)
        }
    async with intake.transactions() as uow:
        claimed = await uow.store.claim_payments(intake.now, timedelta(minutes=1), held, 100)
        assert payment.payment_id in {p.payment_id for p in claimed}

    created = CreatedPayment("pay-it-1", "http://payment/pay/pay-it-1", "000201")
    async with intake.transactions() as uow:
        assert not await uow.store.record_payment_created(payment.payment_id, lost, created, intake.now)
        assert await uow.store.record_payment_created(payment.payment_id, held, created, intake.now)
        assert not await uow.store.record_payment_created(payment.payment_id, held, created, intake.now)
        (record,) = await uow.store.dossier_payments(dossier_id)

    assert (record.status, record.pay_url, record.qr_payload) == (PaymentStatus.PENDING, created.pay_url, "000201")


async def test_a_payment_failing_is_due_again_later_or_failed_for_good(intake_pool: asyncpg.Pool) -> None:
    intake = Intake(intake_pool)
    intake.now = NOW + timedelta(days=366)
    payments = []
    for _ in range(2):
        dossier_id, code = await intake.land_dossier()
        payment = fees_payment(uuid4(), dossier_id, code, (Fee("Lệ phí", 100_000),))
        async with intake.transactions() as uow:
            await uow.store.add_payment(payment, intake.now)
        payments.append((dossier_id, payment))
    claim = uuid4()
    async with intake.transactions() as uow:
        await uow.store.claim_payments(intake.now, timedelta(minutes=1), claim, 100)
    later = intake.now + timedelta(seconds=30)

    async with intake.transactions() as uow:
        (_, down), (refused_id, refused) = payments
        assert await uow.store.record_payment_not_created(down.payment_id, claim, "HTTP 503", later)
        assert await uow.store.record_payment_not_created(refused.payment_id, claim, "HTTP 400", None)
        before_due = await uow.store.claim_payments(intake.now, timedelta(minutes=1), uuid4(), 100)
        once_due = await uow.store.claim_payments(later, timedelta(minutes=1), uuid4(), 100)
        (failed,) = await uow.store.dossier_payments(refused_id)

    assert down.payment_id not in {p.payment_id for p in before_due}
    assert [(p.payment_id, p.attempts) for p in once_due if p.payment_id == down.payment_id] == [(down.payment_id, 1)]
    assert failed.status is PaymentStatus.FAILED
    assert refused.payment_id not in {p.payment_id for p in once_due}


async def test_an_obligation_is_claimed_only_while_its_dossier_is_paying(intake_pool: asyncpg.Pool) -> None:
    intake = Intake(intake_pool)
    intake.now = NOW + timedelta(days=367)
    paying_id, paying_code = await intake.land_dossier(DossierStatus.PAYING)
    moved_on_id, moved_on_code = await intake.land_dossier(DossierStatus.PROCESSING)
    due = [
        obligation_payment(uuid4(), paying_id, paying_code, 2_500_000, "Tiền sử dụng đất", 6, intake.now),
        obligation_payment(uuid4(), moved_on_id, moved_on_code, 2_500_000, "Tiền sử dụng đất", 6, intake.now),
    ]
    async with intake.transactions() as uow:
        for payment in due:
            await uow.store.add_payment(payment, intake.now)
        claimed = {p.payment_id for p in await uow.store.claim_payments(intake.now, timedelta(minutes=1), uuid4(), 100)}

    assert due[0].payment_id in claimed
    assert due[1].payment_id not in claimed


async def test_a_paid_payment_keeps_its_transaction_and_receipt(intake_pool: asyncpg.Pool) -> None:
    intake = Intake(intake_pool)
    dossier_id, code = await intake.land_dossier()
    payment = fees_payment(uuid4(), dossier_id, code, (Fee("Lệ phí", 100_000),))
    receipt = DocumentRef(
        document_id=uuid4(),
        name="bien-lai-TX1.pdf",
        media_type=MediaType.PDF,
        size=len(RECEIPT),
        sha256=hashlib.sha256(RECEIPT).hexdigest(),
        role=DocumentRole.PAYMENT_RECEIPT,
    )
    callback = PaidCallback("pay-it-9", payment.payment_id, 100_000, "TX1", NOW)
    async with intake.transactions() as uow:
        await uow.store.add_payment(payment, NOW)
        locked = await uow.store.known_payment(payment.payment_id, lock=True)
        kept = await uow.store.add_dossier_document(dossier_id, receipt, NOW)
        await uow.store.record_payment_paid(payment.payment_id, callback, kept.document_id)
        known = await uow.store.known_payment(payment.payment_id)
        (record,) = await uow.store.dossier_payments(dossier_id)

    assert locked is not None
    assert (locked.code, locked.status, locked.platform_payment_id) == (code, PaymentStatus.DUE, None)
    assert known is not None
    assert (known.status, known.platform_payment_id) == (PaymentStatus.PAID, "pay-it-9")
    assert (record.paid_at, record.receipt_document_id) == (NOW, kept.document_id)


async def test_a_paid_row_without_its_receipt_is_refused_by_the_schema(intake_pool: asyncpg.Pool) -> None:
    intake = Intake(intake_pool)
    dossier_id, code = await intake.land_dossier()
    payment = fees_payment(uuid4(), dossier_id, code, (Fee("Lệ phí", 100_000),))
    async with intake.transactions() as uow:
        await uow.store.add_payment(payment, NOW)

    with pytest.raises(asyncpg.CheckViolationError):
        async with intake_pool.acquire() as connection:
            await connection.execute(
                "UPDATE it_intake.payments SET status = 'paid', paid_at = now() WHERE id = $1", payment.payment_id
            )
