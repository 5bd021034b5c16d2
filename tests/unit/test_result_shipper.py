"""Results chosen by post are ordered from the postal service once, tried again while it is down."""

import json
from datetime import timedelta

import httpx

from services.intake.returns.postal import PostalService
from services.intake.returns.shipper import Shipper
from services.intake.returns.store import ShipmentStatus
from shared.contracts.documents import ResultDelivery
from shared.kernel.retry import RetryPolicy
from tests.unit.test_result_returns import Desk

CALLBACK = "http://127.0.0.1:8001/v1/postal/deliveries"


class PostOffice:
    """The postal service's answers, one per order: a status code (201 gives a tracking id) or a connection error."""

    def __init__(self, *answers: int | None) -> None:
        self.answers = list(answers)
        self.orders: list[dict[str, str]] = []
        self.keys: list[str | None] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.orders.append(json.loads(request.content))
        self.keys.append(request.headers.get("X-Merchant-Key"))
        answer = self.answers.pop(0)
        if answer is None:
            raise httpx.ConnectError("connection refused", request=request)
        if answer == 201:
            return httpx.Response(201, json={"tracking_id": "VN000000042LT", "status": "accepted"})
        return httpx.Response(answer, json={"detail": "refused"})


def _shipper(desk: Desk, office: PostOffice) -> Shipper:
    postal = PostalService(
        "http://postal.test", "merchant-key", timeout=1, transport=httpx.MockTransport(office.handle)
    )
    return Shipper(
        desk.database.unit_of_work,
        postal,
        callback_url=CALLBACK,
        batch=10,
        lease_seconds=60,
        retry=RetryPolicy(base_seconds=10, cap_seconds=10),
    )


async def test_a_result_is_ordered_once_with_the_dossier_code_as_reference() -> None:
    desk, office = Desk(), PostOffice(201)
    await desk.releasing(ResultDelivery.POST)
    shipper = _shipper(desk, office)

    assert await shipper.ship() == 1
    assert await shipper.ship() == 0

    assert office.orders == [
        {
            "reference": desk.code,
            "recipient": "Hồ Thị Lan",
            "address": "Xóm 3, xã Quỳnh Lưu, Nghệ An",
            "callback_url": CALLBACK,
        }
    ]
    assert office.keys == ["merchant-key"]
    shipment = desk.store.shipments[desk.dossier_id]
    assert (shipment["status"], shipment["tracking_id"], shipment["attempts"]) == (
        ShipmentStatus.SHIPPED,
        "VN000000042LT",
        1,
    )
    assert desk.store.notes(desk.code) == [None, None], "shipping moves nothing: journalled, not a history entry"
    assert "result shipped" in desk.actions()


async def test_while_the_postal_service_is_down_the_order_waits_and_is_sent_again() -> None:
    desk, office = Desk(), PostOffice(None, 503, 201)
    await desk.releasing(ResultDelivery.POST)
    shipper = _shipper(desk, office)

    assert await shipper.ship() == 1
    assert await shipper.ship() == 0  # not due again before the backoff
    desk.database.now += timedelta(seconds=10)
    assert await shipper.ship() == 1
    desk.database.now += timedelta(seconds=10)
    assert await shipper.ship() == 1

    shipment = desk.store.shipments[desk.dossier_id]
    assert (shipment["status"], shipment["attempts"], len(office.orders)) == (ShipmentStatus.SHIPPED, 3, 3)
    assert {order["reference"] for order in office.orders} == {desk.code}


async def test_an_order_refused_for_good_is_left_for_an_operator() -> None:
    desk, office = Desk(), PostOffice(422)
    await desk.releasing(ResultDelivery.POST)
    shipper = _shipper(desk, office)

    await shipper.ship()
    desk.database.now += timedelta(hours=1)
    assert await shipper.ship() == 0

    shipment = desk.store.shipments[desk.dossier_id]
    assert shipment["status"] is ShipmentStatus.REFUSED
    assert shipment["last_error"].startswith("HTTP 422")
    assert "shipment refused" in desk.actions()


async def test_without_an_address_nothing_is_ordered() -> None:
    desk, office = Desk(), PostOffice()
    await desk.releasing(ResultDelivery.POST)
    desk.store.dossiers[desk.dossier_id]["postal_address"] = None

    await _shipper(desk, office).ship()

    assert office.orders == []
    assert desk.store.shipments[desk.dossier_id]["status"] is ShipmentStatus.REFUSED


async def test_a_result_returned_before_its_turn_is_not_ordered() -> None:
    desk, office = Desk(), PostOffice()
    await desk.releasing(ResultDelivery.POST)
    await desk.hand_over()

    assert await _shipper(desk, office).ship() == 0
    assert office.orders == []
