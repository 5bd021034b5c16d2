"""The payment platform's and the postal service's stand-ins: merchant API, signed callbacks, retries, receipts."""

import asyncio
import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from standins.payment import payment_app
from standins.postal import postal_app
from standins.vietqr import crc16

MERCHANT = {"X-Merchant-Key": "test-merchant-key"}
SECRET = "test-callback-secret"
MERCHANT_URL = "http://merchant"


class Merchant:
    """The merchant's callback endpoint in process: records each delivery, answers as told."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []
        app = FastAPI()

        @app.post("/callback")
        async def callback(request: Request) -> Response:
            self.deliveries.append((dict(request.headers), await request.body()))
            return Response(status_code=self.answers.pop(0) if self.answers else 200)

        self.transport = httpx.ASGITransport(app=app)


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://standin")


@pytest.fixture
def merchant() -> Merchant:
    return Merchant()


@pytest.fixture
async def platform(merchant: Merchant) -> AsyncIterator[httpx.AsyncClient]:
    app = payment_app(
        merchant_key="test-merchant-key",
        callback_secret=SECRET,
        delays=(0.01, 0.01, 0.01),
        callback_transport=merchant.transport,
    )
    async with _client(app) as client:
        yield client


@pytest.fixture
async def post_office(merchant: Merchant) -> AsyncIterator[httpx.AsyncClient]:
    app = postal_app(
        merchant_key="test-merchant-key", callback_secret=SECRET, delays=(0.01,), callback_transport=merchant.transport
    )
    async with _client(app) as client:
        yield client


def _payment(merchant_ref: str = "a1b2", amount: int = 100_000) -> dict[str, Any]:
    return {
        "merchant_ref": merchant_ref,
        "amount_vnd": amount,
        "description": "Lệ phí cấp Giấy chứng nhận",
        "callback_url": f"{MERCHANT_URL}/callback",
    }


def _signed(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


async def _until(condition: Any, seconds: float = 2.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("headers", [{}, {"X-Merchant-Key": "wrong"}])
async def test_the_platform_refuses_a_merchant_without_its_key(
    platform: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await platform.post("/api/payments", json=_payment(), headers=headers)

    assert response.status_code == 401
    assert "error" in response.json()


async def test_a_payment_is_created_once_per_merchant_ref_with_a_link_and_a_qr(platform: httpx.AsyncClient) -> None:
    first = await platform.post("/api/payments", json=_payment(), headers=MERCHANT)
    again = await platform.post("/api/payments", json=_payment(), headers=MERCHANT)
    other = await platform.post("/api/payments", json=_payment(amount=5), headers=MERCHANT)

    assert first.status_code == 201
    payment = first.json()
    assert payment["status"] == "pending"
    assert payment["pay_url"] == f"http://standin/pay/{payment['payment_id']}"
    assert again.status_code == 200
    assert again.json() == payment
    assert other.status_code == 409, "the same merchant_ref for another amount"
    qr = payment["qr_payload"]
    assert qr.startswith("000201010212")
    assert "5406100000" in qr, "the amount in field 54"
    assert qr[-4:] == f"{crc16(qr[:-4].encode()):04X}"


@pytest.mark.parametrize(
    ("field", "value"), [("amount_vnd", 0), ("amount_vnd", -1), ("callback_url", "not a url"), ("merchant_ref", "")]
)
async def test_the_platform_refuses_an_invalid_payment(platform: httpx.AsyncClient, field: str, value: Any) -> None:
    response = await platform.post("/api/payments", json={**_payment(), field: value}, headers=MERCHANT)

    assert response.status_code == 422


async def test_paying_sends_a_signed_callback_and_makes_the_receipt(
    platform: httpx.AsyncClient, merchant: Merchant
) -> None:
    payment = (await platform.post("/api/payments", json=_payment(), headers=MERCHANT)).json()
    before = await platform.get(f"/api/payments/{payment['payment_id']}/receipt", headers=MERCHANT)

    paid = await platform.post(f"/control/payments/{payment['payment_id']}/pay")
    await _until(lambda: merchant.deliveries)

    assert before.status_code == 409, "no receipt before it is paid"
    assert paid.status_code == 200
    assert paid.json()["status"] == "paid"
    headers, body = merchant.deliveries[0]
    timestamp = headers["x-payment-timestamp"]
    assert abs(int(timestamp) - time.time()) < 5
    assert hmac.compare_digest(headers["x-payment-signature"], _signed(SECRET, timestamp, body))
    sent = httpx.Response(200, content=body).json()
    assert sent == {
        "payment_id": payment["payment_id"],
        "merchant_ref": "a1b2",
        "amount_vnd": 100_000,
        "transaction_id": paid.json()["transaction_id"],
        "paid_at": sent["paid_at"],
    }
    receipt = await platform.get(f"/api/payments/{payment['payment_id']}/receipt", headers=MERCHANT)
    assert receipt.status_code == 200
    assert receipt.headers["content-type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF-")
    again = await platform.get(f"/api/payments/{payment['payment_id']}/receipt", headers=MERCHANT)
    assert again.content == receipt.content, "the same receipt every time"
    assert (await platform.post(f"/control/payments/{payment['payment_id']}/pay")).status_code == 409


async def test_a_callback_is_tried_again_while_the_merchant_is_down_and_not_after_a_refusal(
    platform: httpx.AsyncClient, merchant: Merchant
) -> None:
    merchant.answers = [503, 500, 200, 422]
    down = (await platform.post("/api/payments", json=_payment("down"), headers=MERCHANT)).json()
    refused = (await platform.post("/api/payments", json=_payment("refused"), headers=MERCHANT)).json()

    await platform.post(f"/control/payments/{down['payment_id']}/pay")
    await _until(lambda: len(merchant.deliveries) == 3)
    await platform.post(f"/control/payments/{refused['payment_id']}/pay")
    await _until(lambda: len(merchant.deliveries) == 4)
    await asyncio.sleep(0.1)

    callbacks = (await platform.get("/control/callbacks")).json()
    assert [c["state"] for c in callbacks] == ["delivered", "refused"]
    assert [a["status_code"] for a in callbacks[0]["attempts"]] == [503, 500, 200]
    assert [a["status_code"] for a in callbacks[1]["attempts"]] == [422]
    assert len(merchant.deliveries) == 4, "a refusal is final"


async def test_a_callback_whose_merchant_never_answers_is_given_up() -> None:
    app = payment_app(merchant_key="k", callback_secret=SECRET, delays=(0.01, 0.01))
    async with _client(app) as platform:
        asked = {**_payment(), "callback_url": "http://127.0.0.1:9/callback"}  # the discard port: nobody listens
        payment = (await platform.post("/api/payments", json=asked, headers={"X-Merchant-Key": "k"})).json()
        await platform.post(f"/control/payments/{payment['payment_id']}/pay")
        deadline = time.monotonic() + 5
        while (callbacks := (await platform.get("/control/callbacks")).json())[0]["state"] == "sending":
            assert time.monotonic() < deadline, "still sending"
            await asyncio.sleep(0.02)

    assert callbacks[0]["state"] == "given-up"
    assert len(callbacks[0]["attempts"]) == 3, "the first try and one after each delay"
    assert all(attempt["error"] == "ConnectError" for attempt in callbacks[0]["attempts"])


async def test_a_callback_sent_again_can_be_replayed_altered_or_forged_for_tests(
    platform: httpx.AsyncClient, merchant: Merchant
) -> None:
    payment = (await platform.post("/api/payments", json=_payment(), headers=MERCHANT)).json()
    await platform.post(f"/control/payments/{payment['payment_id']}/pay")
    await _until(lambda: merchant.deliveries)
    url = f"/control/payments/{payment['payment_id']}/callback"

    replayed = await platform.post(url, json={"timestamp": 1_000_000_000})
    altered = await platform.post(url, json={"amount_vnd": 1})
    forged = await platform.post(url, json={"secret": "guessed"})

    assert [r.status_code for r in (replayed, altered, forged)] == [200, 200, 200]
    assert replayed.json()["status_code"] == 200, "the merchant's answer"
    (h1, b1), (h2, b2), (h3, b3) = merchant.deliveries[1:]
    assert h1["x-payment-timestamp"] == "1000000000"
    assert h1["x-payment-signature"] == _signed(SECRET, "1000000000", b1)
    assert httpx.Response(200, content=b2).json()["amount_vnd"] == 1
    assert h2["x-payment-signature"] == _signed(SECRET, h2["x-payment-timestamp"], b2)
    assert h3["x-payment-signature"] == _signed("guessed", h3["x-payment-timestamp"], b3)


async def test_the_reset_forgets_payments(platform: httpx.AsyncClient) -> None:
    payment = (await platform.post("/api/payments", json=_payment(), headers=MERCHANT)).json()

    await platform.post("/_reset")

    assert (await platform.get(f"/api/payments/{payment['payment_id']}", headers=MERCHANT)).status_code == 404
    assert (await platform.post("/api/payments", json=_payment(), headers=MERCHANT)).status_code == 201


async def test_the_pay_page_shows_the_amount_in_vietnamese_notation(platform: httpx.AsyncClient) -> None:
    payment = (await platform.post("/api/payments", json=_payment(), headers=MERCHANT)).json()

    page = await platform.get(f"/pay/{payment['payment_id']}")

    assert page.status_code == 200
    assert "100.000 VND" in page.text


# --- Postal service ---------------------------------------------------------------------------


def _shipment(reference: str = "000.01.15.H40-261202-0001") -> dict[str, Any]:
    return {
        "reference": reference,
        "recipient": "Nguyễn Văn An",
        "address": "Xóm 3, xã Quỳnh Lưu, Nghệ An",
        "callback_url": f"{MERCHANT_URL}/callback",
    }


async def test_a_shipment_is_accepted_once_per_reference(post_office: httpx.AsyncClient) -> None:
    first = await post_office.post("/api/shipments", json=_shipment(), headers=MERCHANT)
    again = await post_office.post("/api/shipments", json=_shipment(), headers=MERCHANT)
    elsewhere = await post_office.post(
        "/api/shipments", json={**_shipment(), "address": "somewhere else"}, headers=MERCHANT
    )
    no_key = await post_office.post("/api/shipments", json=_shipment())

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["tracking_id"] == first.json()["tracking_id"]
    assert elsewhere.status_code == 409
    assert no_key.status_code == 401
    received = (await post_office.get("/_received")).json()
    assert "Nguyễn" not in str(received), "the record keeps no name or address"


async def test_a_delivered_shipment_sends_a_signed_callback(post_office: httpx.AsyncClient, merchant: Merchant) -> None:
    tracking_id = (await post_office.post("/api/shipments", json=_shipment(), headers=MERCHANT)).json()["tracking_id"]

    delivered = await post_office.post(f"/control/shipments/{tracking_id}/deliver", json={"received_by": "An"})
    await _until(lambda: merchant.deliveries)

    assert delivered.status_code == 200
    headers, body = merchant.deliveries[0]
    assert headers["x-postal-signature"] == _signed(SECRET, headers["x-postal-timestamp"], body)
    sent = httpx.Response(200, content=body).json()
    assert sent["tracking_id"] == tracking_id
    assert sent["reference"] == "000.01.15.H40-261202-0001"
    assert sent["received_by"] == "An"
    assert (await post_office.post(f"/control/shipments/{tracking_id}/deliver")).status_code == 409
    shipment = (await post_office.get(f"/api/shipments/{tracking_id}", headers=MERCHANT)).json()
    assert shipment["status"] == "delivered"
