"""The result handed back: kept when routing announces it, returned once at the counter, online or by post."""

import hashlib
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from services.intake import handlers
from services.intake.domain.identity import UNCHECKED
from services.intake.returns.downloads import download
from services.intake.returns.handlers import (
    HandOverResult,
    PostalDelivery,
    UnknownShipmentError,
    hand_over,
    record_delivery,
)
from services.intake.returns.rules import ResultReturnError
from services.intake.returns.store import ShipmentStatus
from services.intake.returns.views import result_view
from services.intake.store import NewDossier
from shared.contracts import Applicant, DossierResultReturned, DossierStatus, DossierStatusChanged
from shared.contracts.documents import DocumentRef, DocumentRole, MediaType, ResultDelivery, ResultKind, object_key
from shared.kernel.object_store import ObjectStoreUnavailableError
from tests.support.fake_intake_store import FakeIntakeDatabase, FakeIntakeStore
from tests.support.object_store import MemoryObjectStore

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
CENTRE, ISSUER = "000.01.15.H40", "17179.TP"
APPLICANT = Applicant(citizen_id="040301000123", full_name="Hồ Thị Lan", date_of_birth=date(2001, 5, 14))
PDF = b"%PDF-1.7\n% a signed extract of the birth register\n%%EOF\n"
LETTER = b"%PDF-1.7\n% a signed refusal letter\n%%EOF\n"


def _document(body: bytes, role: DocumentRole, name: str) -> DocumentRef:
    return DocumentRef(
        document_id=uuid4(),
        name=name,
        media_type=MediaType.PDF,
        size=len(body),
        sha256=hashlib.sha256(body).hexdigest(),
        role=role,
    )


RESULT = _document(PDF, DocumentRole.RESULT, "Trích lục khai sinh.pdf")
REFUSAL = _document(LETTER, DocumentRole.REFUSAL, "Văn bản từ chối.pdf")


class Desk:
    """One test's intake: a birth dossier at the centre, the fake store and database, an object store holding the
    issued documents."""

    def __init__(self) -> None:
        self.store = FakeIntakeStore()
        self.database = FakeIntakeDatabase(self.store, NOW)
        self.objects = MemoryObjectStore()
        self.sequence = 0
        self.dossier_id = uuid4()
        self.code = f"{CENTRE}-261202-0001"

    async def file(self) -> None:
        dossier = NewDossier(
            dossier_id=self.dossier_id,
            code=self.code,
            procedure_code="1.001193",
            receiving_agency=CENTRE,
            commune_code="17179",
            province_code="40",
            applicant=APPLICANT,
            client_id="counter",
            received_at=NOW,
            due_at=NOW + timedelta(days=3),
            components=(),
            identity=UNCHECKED,
            portal_dossier_id=None,
        )
        async with self.database.unit_of_work() as uow:
            await uow.store.add_dossier(dossier)
        self.store.dossiers[self.dossier_id]["postal_address"] = "Xóm 3, xã Quỳnh Lưu, Nghệ An"
        await self.objects.put(object_key(RESULT.sha256), PDF, "application/pdf")
        await self.objects.put(object_key(REFUSAL.sha256), LETTER, "application/pdf")

    async def status(
        self,
        status: DossierStatus,
        unit: str | None = None,
        *,
        result: DocumentRef | None = None,
        delivery: ResultDelivery | None = None,
    ) -> None:
        """Routing's next status change, as intake consumes it."""
        self.sequence += 1
        event = DossierStatusChanged(
            dossier_id=self.dossier_id,
            dossier_code=self.code,
            sequence=self.sequence,
            status=status,
            previous_status=None,
            procedure_code="1.001193",
            applicant=APPLICANT,
            received_at=NOW,
            due_at=NOW + timedelta(days=3),
            handling_unit=unit,
            changed_at=self.database.now,
            receiving_agency=CENTRE,
            result=result,
            result_delivery=delivery,
        )
        async with self.database.unit_of_work() as uow:
            await handlers.record_status_change(uow, event)

    async def releasing(self, delivery: ResultDelivery = ResultDelivery.COUNTER) -> None:
        await self.file()
        await self.status(DossierStatus.PROCESSING, ISSUER)
        await self.status(DossierStatus.RELEASING, CENTRE, result=RESULT, delivery=delivery)

    async def hand_over(self, clerk: str = "tn.mai") -> None:
        async with self.database.unit_of_work() as uow:
            await hand_over(uow, HandOverResult(self.code, clerk))

    async def deliver(self, tracking_id: str, reference: str | None = None) -> bool:
        delivery = PostalDelivery(tracking_id, reference or self.code, self.database.now)
        async with self.database.unit_of_work() as uow:
            return await record_delivery(uow, delivery)

    def returns(self) -> list[DossierResultReturned]:
        return [e for e in self.database.outbox.events if isinstance(e, DossierResultReturned)]

    def actions(self) -> list[str]:
        return self.database.journal.actions(self.code)


async def test_releasing_keeps_the_result_issued_by_the_unit_that_held_the_dossier() -> None:
    desk = Desk()
    await desk.releasing()

    kept = desk.store.results[desk.dossier_id]
    assert (kept.kind, kept.document, kept.issued_by, kept.delivery, kept.returned) == (
        ResultKind.RESULT,
        RESULT,
        ISSUER,
        ResultDelivery.COUNTER,
        None,
    )
    assert "result kept" in desk.actions()
    assert desk.store.shipments == {}


async def test_a_result_chosen_by_post_is_queued_once_under_the_dossier_code() -> None:
    desk = Desk()
    await desk.releasing(ResultDelivery.POST)
    await desk.status(DossierStatus.RELEASING, CENTRE, result=RESULT, delivery=ResultDelivery.POST)

    assert [s["reference"] for s in desk.store.shipments.values()] == [desk.code]
    assert desk.actions().count("shipment queued") == 1


async def test_a_denied_dossier_keeps_its_refusal_letter_and_nothing_is_to_be_returned() -> None:
    desk = Desk()
    await desk.file()
    await desk.status(DossierStatus.PROCESSING, ISSUER)
    await desk.status(DossierStatus.DENIED, ISSUER, result=REFUSAL)

    kept = desk.store.results[desk.dossier_id]
    assert (kept.kind, kept.document, kept.delivery) == (ResultKind.REFUSAL, REFUSAL, None)
    with pytest.raises(ResultReturnError) as refused:
        await desk.hand_over()
    assert refused.value.field == "status"


async def test_the_counter_hands_over_once_and_tells_routing() -> None:
    desk = Desk()
    await desk.releasing()

    await desk.hand_over("tn.mai")

    [returned] = desk.returns()
    assert (returned.way, returned.returned_by, returned.returned_at) == (ResultDelivery.COUNTER, "clerk:tn.mai", NOW)
    assert "result returned" in desk.actions()
    with pytest.raises(ResultReturnError) as again:
        await desk.hand_over("tn.mai")
    assert again.value.field == "result"
    assert len(desk.returns()) == 1


def _history(desk: Desk) -> list[tuple[str, str | None, datetime]]:
    return [(e["status"], e["note"], e["at"]) for e in desk.store.histories[desk.dossier_id]]


async def test_a_result_handed_over_is_one_done_entry_in_the_history_saying_how() -> None:
    desk = Desk()
    await desk.releasing()
    desk.database.now += timedelta(minutes=5)

    await desk.hand_over()
    handed_over = _history(desk)
    desk.database.now += timedelta(seconds=1)
    await desk.status(DossierStatus.DONE, CENTRE, result=RESULT, delivery=ResultDelivery.COUNTER)

    assert [status for status, _, _ in handed_over] == ["processing", "releasing"], "a return moves nothing itself"
    assert _history(desk) == [*handed_over, ("done", "result handed over at the receiving centre", desk.database.now)]


async def test_a_result_delivered_by_post_is_done_once_with_its_tracking_id_and_the_history_in_order() -> None:
    desk = Desk()
    await desk.releasing(ResultDelivery.POST)
    desk.store.shipments[desk.dossier_id].update(status=ShipmentStatus.SHIPPED, tracking_id="VN000000001LT")
    desk.database.now += timedelta(seconds=1)
    delivery = PostalDelivery("VN000000001LT", desk.code, desk.database.now - timedelta(seconds=2))  # whole seconds
    async with desk.database.unit_of_work() as uow:
        await record_delivery(uow, delivery)
    await desk.status(DossierStatus.DONE, CENTRE, result=RESULT, delivery=ResultDelivery.POST)

    history = _history(desk)
    assert [(status, note) for status, note, _ in history] == [
        ("processing", None),
        ("releasing", None),
        ("done", "result delivered by the postal service (tracking id VN000000001LT)"),
    ]
    assert [at for _, _, at in history] == sorted(at for _, _, at in history)
    returned = desk.store.results[desk.dossier_id].returned
    assert returned is not None
    assert returned.at == delivery.delivered_at, "the return keeps its own time"


async def test_nothing_is_handed_over_before_the_result_is_ready() -> None:
    desk = Desk()
    await desk.file()
    await desk.status(DossierStatus.PROCESSING, ISSUER)

    with pytest.raises(ResultReturnError) as refused:
        await desk.hand_over()

    assert (refused.value.status, refused.value.field) == (DossierStatus.PROCESSING, "status")
    assert desk.returns() == []


async def test_the_first_download_returns_the_result_and_later_ones_do_not() -> None:
    desk = Desk()
    await desk.releasing(ResultDelivery.ONLINE)

    first = await download(desk.database, desk.objects, desk.code)
    second = await download(desk.database, desk.objects, desk.code)

    assert (first.body, first.returned, second.body, second.returned) == (PDF, True, PDF, False)
    [returned] = desk.returns()
    assert (returned.way, returned.returned_by) == (ResultDelivery.ONLINE, "citizen")


async def test_a_download_after_done_returns_nothing_again() -> None:
    desk = Desk()
    await desk.releasing()
    await desk.hand_over()
    await desk.status(DossierStatus.DONE, CENTRE, result=RESULT, delivery=ResultDelivery.COUNTER)

    got = await download(desk.database, desk.objects, desk.code)

    assert (got.body, got.returned, len(desk.returns())) == (PDF, False, 1)


async def test_a_refusal_letter_downloads_without_a_return() -> None:
    desk = Desk()
    await desk.file()
    await desk.status(DossierStatus.DENIED, ISSUER, result=REFUSAL)

    got = await download(desk.database, desk.objects, desk.code)

    assert (got.body, got.kept.kind, got.returned, desk.returns()) == (LETTER, ResultKind.REFUSAL, False, [])


async def test_nothing_downloads_while_the_dossier_is_handled() -> None:
    desk = Desk()
    await desk.file()
    await desk.status(DossierStatus.PROCESSING, ISSUER)

    with pytest.raises(ResultReturnError):
        await download(desk.database, desk.objects, desk.code)


async def test_with_the_object_store_down_the_download_fails_and_nothing_is_returned() -> None:
    desk = Desk()
    await desk.releasing(ResultDelivery.ONLINE)
    desk.objects.available = False
    transactions = desk.database.transactions

    with pytest.raises(ObjectStoreUnavailableError):
        await download(desk.database, desk.objects, desk.code)

    assert (desk.returns(), desk.store.results[desk.dossier_id].returned) == ([], None)
    assert desk.database.transactions == transactions


async def test_the_postal_delivery_returns_the_result_once() -> None:
    desk = Desk()
    await desk.releasing(ResultDelivery.POST)
    shipment = desk.store.shipments[desk.dossier_id]
    shipment.update(status=ShipmentStatus.SHIPPED, tracking_id="VN000000001LT")

    assert await desk.deliver("VN000000001LT") is True
    assert await desk.deliver("VN000000001LT") is False

    [returned] = desk.returns()
    assert (returned.way, returned.returned_by) == (ResultDelivery.POST, "postal:VN000000001LT")
    assert desk.store.shipments[desk.dossier_id]["status"] is ShipmentStatus.DELIVERED
    assert desk.actions().count("shipment delivered") == 1


async def test_a_delivery_of_an_unknown_shipment_or_another_dossier_changes_nothing() -> None:
    desk = Desk()
    await desk.releasing(ResultDelivery.POST)
    desk.store.shipments[desk.dossier_id].update(status=ShipmentStatus.SHIPPED, tracking_id="VN000000001LT")

    with pytest.raises(UnknownShipmentError):
        await desk.deliver("VN999999999LT")
    with pytest.raises(UnknownShipmentError):
        await desk.deliver("VN000000001LT", reference=f"{CENTRE}-261202-0002")

    assert desk.returns() == []
    assert desk.store.shipments[desk.dossier_id]["status"] is ShipmentStatus.SHIPPED


async def test_a_result_handed_over_first_is_not_returned_again_when_the_post_delivers() -> None:
    desk = Desk()
    await desk.releasing(ResultDelivery.POST)
    desk.store.shipments[desk.dossier_id].update(status=ShipmentStatus.SHIPPED, tracking_id="VN000000001LT")
    await desk.hand_over()

    assert await desk.deliver("VN000000001LT") is True

    assert [r.way for r in desk.returns()] == [ResultDelivery.COUNTER]


async def test_a_return_before_shipping_makes_the_shipment_unneeded() -> None:
    desk = Desk()
    await desk.releasing(ResultDelivery.POST)

    await desk.hand_over()

    assert desk.store.shipments[desk.dossier_id]["status"] is ShipmentStatus.NOT_NEEDED


async def test_the_views_show_the_result_how_it_goes_back_and_its_tracking_id() -> None:
    desk = Desk()
    await desk.releasing(ResultDelivery.POST)
    desk.store.shipments[desk.dossier_id].update(status=ShipmentStatus.SHIPPED, tracking_id="VN000000001LT")
    waiting = await result_view(desk.store, desk.dossier_id, desk.code)
    await desk.deliver("VN000000001LT")

    returned = await result_view(desk.store, desk.dossier_id, desk.code)

    assert waiting is not None
    assert returned is not None
    assert (waiting.name, waiting.sha256, waiting.size, waiting.issued_by, waiting.delivery, waiting.returned) == (
        RESULT.name,
        RESULT.sha256,
        len(PDF),
        ISSUER,
        ResultDelivery.POST,
        None,
    )
    assert waiting.shipment is not None
    assert waiting.shipment.tracking_id == "VN000000001LT"
    assert returned.returned is not None
    assert returned.returned.way is ResultDelivery.POST
    assert returned.download == f"/v1/lookup/{desk.code}/result"


async def test_nothing_is_shown_before_anything_is_issued() -> None:
    desk = Desk()
    await desk.file()

    assert await result_view(desk.store, desk.dossier_id, desk.code) is None
