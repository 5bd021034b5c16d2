"""The postal service's delivery callback at intake's route: only a signed, fresh callback of a shipment intake sent
returns the result; anything else is refused naming the field, counted, and changes nothing."""

import json
from datetime import timedelta

import httpx
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from services.intake.returns.postal_api import SIGNATURE_HEADER, TIMESTAMP_HEADER, build_postal_api
from services.intake.returns.store import ShipmentStatus
from services.intake.signed_callbacks import CallbackVerifier, signature
from shared.contracts.documents import ResultDelivery
from shared.kernel.http_problems import install_problem_handlers
from tests.unit.test_result_returns import Desk

SECRET = b"postal callback secret"
TRACKING = "VN000000007LT"


class Route:
    """The callback route on one test's intake, and a postal service that signs (or forges) its calls."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.registry = CollectorRegistry()
        verifier = CallbackVerifier(SECRET, 300, TIMESTAMP_HEADER, SIGNATURE_HEADER)
        app = FastAPI()
        install_problem_handlers(app)
        app.include_router(build_postal_api(desk.database, verifier, lambda: desk.database.now, self.registry))
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake")

    def body(self, **changes: str) -> bytes:
        fields = {
            "tracking_id": TRACKING,
            "reference": self.desk.code,
            "delivered_at": self.desk.database.now.isoformat(),
            "received_by": "Hồ Thị Lan",
        }
        return json.dumps(fields | changes, separators=(",", ":")).encode()

    async def call(self, body: bytes, *, secret: bytes = SECRET, age: timedelta = timedelta(0)) -> httpx.Response:
        stamp = str(int((self.desk.database.now - age).timestamp()))
        headers = {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature(secret, stamp, body)}
        return await self.http.post("/v1/postal/deliveries", content=body, headers=headers)

    def refused(self, reason: str) -> float:
        value = self.registry.get_sample_value("lienthong_postal_callbacks_refused_total", {"reason": reason})
        return value or 0.0


async def _shipped() -> Route:
    desk = Desk()
    await desk.releasing(ResultDelivery.POST)
    desk.store.shipments[desk.dossier_id].update(status=ShipmentStatus.SHIPPED, tracking_id=TRACKING)
    return Route(desk)


async def test_a_signed_delivery_returns_the_result_and_again_changes_nothing() -> None:
    route = await _shipped()

    first = await route.call(route.body())
    again = await route.call(route.body())

    assert (first.status_code, first.json()["changed"]) == (200, True), first.text
    assert (again.status_code, again.json()["changed"]) == (200, False), again.text
    [returned] = route.desk.returns()
    assert returned.returned_by == f"postal:{TRACKING}"


async def test_forged_stale_unsigned_and_malformed_callbacks_change_nothing() -> None:
    route = await _shipped()
    unsigned = await route.http.post("/v1/postal/deliveries", content=route.body())
    forged = await route.call(route.body(), secret=b"a guess")
    stale = await route.call(route.body(), age=timedelta(minutes=6))
    malformed = await route.call(route.body(delivered_at="yesterday"))
    unknown = await route.call(route.body(tracking_id="VN999999999LT"))

    answers = [(r.status_code, r.json()["errors"][0]["field"]) for r in (unsigned, forged, stale, malformed, unknown)]
    assert answers == [
        (401, TIMESTAMP_HEADER),
        (401, SIGNATURE_HEADER),
        (401, TIMESTAMP_HEADER),
        (422, "delivered_at"),
        (404, "tracking_id"),
    ]
    assert all(r.headers["content-type"] == "application/problem+json" for r in (unsigned, forged, malformed))
    assert [route.refused(k) for k in ("unsigned", "forged", "stale", "malformed", "unknown")] == [1, 1, 1, 1, 1]
    assert route.desk.returns() == []
    assert route.desk.store.shipments[route.desk.dossier_id]["status"] is ShipmentStatus.SHIPPED


async def test_without_a_secret_every_callback_is_refused() -> None:
    route = await _shipped()
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(
        build_postal_api(route.desk.database, None, lambda: route.desk.database.now, CollectorRegistry())
    )
    route.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake")

    answer = await route.call(route.body())

    assert answer.status_code == 401
    assert route.desk.returns() == []
