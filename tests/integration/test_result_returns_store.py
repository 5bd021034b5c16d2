"""The results' rows on PostgreSQL: kept once, returned once, each shipment claimed by one instance at a time."""

import asyncio
import hashlib
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest

from services.intake import handlers
from services.intake.adapters.postgres_store import PostgresIntakeStore
from services.intake.domain.identity import UNCHECKED
from services.intake.returns.handlers import HandOverResult, hand_over
from services.intake.returns.rules import ResultReturnError
from services.intake.returns.store import ShipmentStatus
from services.intake.store import IntakeStore, NewDossier
from shared.contracts import Applicant, DossierStatus, DossierStatusChanged
from shared.contracts.documents import DocumentRef, DocumentRole, MediaType, ResultDelivery, ResultKind
from shared.kernel.unit_of_work import Transactions

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
CENTRE = "000.01.15.H40"
APPLICANT = Applicant(citizen_id="040301000123", full_name="Hồ Thị Lan", date_of_birth=date(2001, 5, 14))
BODY = b"%PDF-1.7\n% signed extract\n%%EOF\n"
RESULT = DocumentRef(
    document_id=uuid4(),
    name="Trích lục khai sinh.pdf",
    media_type=MediaType.PDF,
    size=len(BODY),
    sha256=hashlib.sha256(BODY).hexdigest(),
    role=DocumentRole.RESULT,
)


class Intake:
    """Units of work on the integration schema at a clock the test moves."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.now = NOW
        self.transactions: Transactions[IntakeStore] = Transactions(
            lambda: pool, PostgresIntakeStore, "intake", "it.", clock=lambda: self.now
        )

    async def dossier(self, delivery: ResultDelivery) -> tuple[UUID, str]:
        """A dossier releasing its result, the applicant having chosen ``delivery``."""
        dossier_id, code = uuid4(), f"{CENTRE}-261202-{uuid4().int % 10**8:08d}"
        async with self.transactions() as uow:
            await uow.store.add_dossier(
                NewDossier(
                    dossier_id=dossier_id,
                    code=code,
                    procedure_code="1.001193",
                    receiving_agency=CENTRE,
                    commune_code="17179",
                    province_code="40",
                    applicant=APPLICANT,
                    client_id="it",
                    received_at=NOW,
                    due_at=NOW + timedelta(days=3),
                    components=(),
                    identity=UNCHECKED,
                    portal_dossier_id=None,
                )
            )
        for sequence, (status, unit, result) in enumerate(
            [(DossierStatus.PROCESSING, "17179.TP", None), (DossierStatus.RELEASING, CENTRE, RESULT)], start=1
        ):
            event = DossierStatusChanged(
                dossier_id=dossier_id,
                dossier_code=code,
                sequence=sequence,
                status=status,
                previous_status=None,
                procedure_code="1.001193",
                applicant=APPLICANT,
                received_at=NOW,
                due_at=NOW + timedelta(days=3),
                handling_unit=unit,
                changed_at=NOW,
                receiving_agency=CENTRE,
                result=result,
                result_delivery=delivery if result else None,
            )
            async with self.transactions() as uow:
                await handlers.record_status_change(uow, event)
        return dossier_id, code


async def _claim(intake: Intake, claim: UUID) -> set[UUID]:
    async with intake.transactions() as uow:
        orders = await uow.store.claim_shipments(intake.now, timedelta(minutes=1), claim, 100)
        await asyncio.sleep(0.2)  # hold the row locks while the other claimant looks
    return {order.dossier_id for order in orders}


async def test_the_result_is_kept_once_with_its_issuer_and_read_back_as_it_travelled(
    intake_pool: asyncpg.Pool,
) -> None:
    intake = Intake(intake_pool)
    dossier_id, _ = await intake.dossier(ResultDelivery.COUNTER)

    async with intake.transactions() as uow:
        kept = await uow.store.result_of(dossier_id)
        again = await uow.store.keep_result(
            dossier_id, ResultKind.RESULT, RESULT, issued_by="another unit", delivery=None, at=NOW
        )

    assert kept is not None
    assert (kept.document, kept.issued_by, kept.delivery, kept.returned, again) == (
        RESULT,
        "17179.TP",
        ResultDelivery.COUNTER,
        None,
        False,
    )


async def test_two_claimants_never_take_the_same_shipment(intake_pool: asyncpg.Pool) -> None:
    intake = Intake(intake_pool)
    ours = {(await intake.dossier(ResultDelivery.POST))[0] for _ in range(4)}

    first, second = await asyncio.gather(_claim(intake, uuid4()), _claim(intake, uuid4()))

    assert ours <= first | second
    assert not first & second


async def test_a_shipment_is_stored_only_under_the_claim_that_holds_it(intake_pool: asyncpg.Pool) -> None:
    intake = Intake(intake_pool)
    intake.now = NOW + timedelta(days=365)  # past every earlier test's leases
    dossier_id, code = await intake.dossier(ResultDelivery.POST)
    lost, held = uuid4(), uuid4()
    async with intake.transactions() as uow:
        assert dossier_id in {
            o.dossier_id for o in await uow.store.claim_shipments(intake.now, timedelta(0), lost, 100)
        }
    async with intake.transactions() as uow:
        orders = await uow.store.claim_shipments(intake.now, timedelta(minutes=1), held, 100)
        order = next(o for o in orders if o.dossier_id == dossier_id)
        assert (order.reference, order.recipient) == (code, "Hồ Thị Lan")

    async with intake.transactions() as uow:
        assert not await uow.store.record_shipped(order.shipment_id, lost, "VN1", intake.now)
        assert await uow.store.record_shipped(order.shipment_id, held, "VN2", intake.now)
        shipment = await uow.store.shipment_of(dossier_id)

    assert shipment is not None
    assert (shipment.status, shipment.tracking_id, shipment.attempts) == (ShipmentStatus.SHIPPED, "VN2", 1)


async def test_the_counter_returns_once_and_the_queued_shipment_is_not_needed(intake_pool: asyncpg.Pool) -> None:
    intake = Intake(intake_pool)
    dossier_id, code = await intake.dossier(ResultDelivery.POST)

    async with intake.transactions() as uow:
        await hand_over(uow, HandOverResult(code, "tn.mai"))
    with pytest.raises(ResultReturnError):
        async with intake.transactions() as uow:
            await hand_over(uow, HandOverResult(code, "tn.mai"))

    async with intake_pool.acquire() as connection:
        returned = await connection.fetchrow(
            "SELECT returned_way, returned_by FROM dossier_results WHERE dossier_id = $1", dossier_id
        )
        shipment = await connection.fetchval("SELECT status FROM result_shipments WHERE dossier_id = $1", dossier_id)
        returns = await connection.fetchval(
            "SELECT count(*) FROM outbox WHERE key = $1 AND headers->>'ce_type' LIKE '%.dossier.result-returned.v1'",
            str(dossier_id),
        )
    assert tuple(returned) == ("counter", "clerk:tn.mai")
    assert shipment == "not-needed"
    assert returns == 1
