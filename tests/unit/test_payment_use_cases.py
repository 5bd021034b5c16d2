"""Payments at intake on the in-memory store and object store, against the payment platform's stand-in in process:
fees of a new dossier created once and paid through a signed callback, an obligation while paying, and every
callback that must change nothing."""

import asyncio
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from standins.payment import payment_app

from services.intake.payments.callback_api import PaymentCallbackApi
from services.intake.payments.creator import PaymentCreator
from services.intake.payments.platform import PaymentPlatform
from services.intake.payments.rules import PaymentStatus, Purpose
from services.intake.payments.views import payment_views
from services.intake.signed_callbacks import CallbackVerifier
from shared.contracts import DocumentRole, DossierPaid, DossierStatus, DossierSubmitted, PaymentDue, object_key
from shared.kernel.retry import RetryPolicy
from tests.support.object_store import MemoryObjectStore
from tests.unit.test_intake_documents import LAND
from tests.unit.test_intake_use_cases import Intake, _code

KEY, SECRET = "merchant-key", "callback-secret"
HEADERS = ("X-Payment-Timestamp", "X-Payment-Signature")


class Desk:
    """One test's intake with its payments: the fake store, the in-memory object store, the platform's stand-in
    (its callbacks reach the callback route in process), the creator."""

    def __init__(self) -> None:
        self.intake = Intake()
        self.objects = MemoryObjectStore()
        self.registry = CollectorRegistry()
        self.app = FastAPI()
        self.platform_app = payment_app(
            merchant_key=KEY,
            callback_secret=SECRET,
            delays=(0.01, 0.01),
            callback_transport=httpx.ASGITransport(app=self.app),
        )
        self.platform = PaymentPlatform(
            "http://payment", KEY, timeout=5, transport=httpx.ASGITransport(app=self.platform_app)
        )
        self.api = PaymentCallbackApi(
            self.intake.database.unit_of_work,
            CallbackVerifier(SECRET.encode(), 300, *HEADERS),
            self.platform,
            self.objects,
            lambda: datetime.now(UTC),
            self.registry,
        )
        self.app.include_router(self.api.router())
        self.creator = PaymentCreator(
            self.intake.database.unit_of_work,
            self.platform,
            callback_url="http://intake/v1/payments/callback",
            batch=10,
            lease=timedelta(seconds=60),
            retry=RetryPolicy(5, 60),
        )
        self.control = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.platform_app), base_url="http://payment"
        )

    @property
    def store(self) -> Any:
        return self.intake.store

    async def land_dossier(self) -> str:
        """A land registration with every paper, filed new: its certificate fee is unpaid."""
        return _code(await self.intake.receive(LAND))

    def payments(self, code: str) -> list[Any]:
        dossier_id = self.store.by_code(code)["id"]
        return [p for p in self.store.payments.values() if p.new.dossier_id == dossier_id]

    async def pay(self, code: str) -> dict[str, Any]:
        """The applicant pays the dossier's pending payment; returns once the callback was answered."""
        (payment,) = [p for p in self.payments(code) if p.status is PaymentStatus.PENDING]
        platform_id = payment.created.platform_payment_id
        paid = await self.control.post(f"/control/payments/{platform_id}/pay")
        assert paid.status_code == 200, paid.text
        deadline = time.monotonic() + 5
        while (callback := (await self.control.get("/control/callbacks")).json()[-1])["state"] == "sending":
            assert time.monotonic() < deadline, "the callback is still being sent"
            await asyncio.sleep(0.01)
        return callback  # type: ignore[no-any-return]

    async def send_again(self, code: str, **change: Any) -> dict[str, Any]:
        (payment,) = self.payments(code)
        answer = await self.control.post(
            f"/control/payments/{payment.created.platform_payment_id}/callback", json=change
        )
        return answer.json()  # type: ignore[no-any-return]

    def refused(self, reason: str) -> float:
        value = self.registry.get_sample_value("lienthong_payment_callbacks_refused_total", {"reason": reason})
        return value or 0.0

    def state(self, code: str) -> tuple[object, ...]:
        """What a refused callback must leave as it was."""
        row = self.store.by_code(code)
        return (
            row["status"],
            [(p.status, p.paid_at) for p in self.payments(code)],
            len(self.intake.database.outbox.events),
            list(self.store.attachments),
            self.objects.puts,
        )


async def test_the_fees_of_a_new_dossier_are_asked_of_the_platform_once() -> None:
    desk = Desk()
    code = await desk.land_dossier()

    taken = await desk.creator.create()
    again = await desk.creator.create()

    (payment,) = desk.payments(code)
    assert (taken, again) == (1, 0)
    assert (payment.status, payment.new.purpose, payment.new.amount_vnd) == (
        PaymentStatus.PENDING,
        "receipt-fees",
        100_000,
    )
    assert payment.created.pay_url.startswith("http://payment/pay/pay-")
    assert payment.created.qr_payload.startswith("000201")
    asked = [r for r in (await desk.control.get("/_received")).json() if r["route"] == "payment"]
    assert [r["body"]["merchant_ref"] for r in asked] == [str(payment.new.payment_id)]
    assert asked[0]["body"]["description"] == f"Lệ phí cấp Giấy chứng nhận (hồ sơ {code})"
    assert desk.intake.database.journal.actions(code)[-2:] == ["payment due", "payment requested"]
    views = await payment_views(desk.store, desk.store.by_code(code)["id"])
    assert [(v.status, v.amount_vnd, v.pay_url) for v in views] == [("pending", 100_000, payment.created.pay_url)]


async def test_a_platform_down_leaves_the_payment_due_and_tries_again_later_never_twice() -> None:
    desk = Desk()
    code = await desk.land_dossier()
    await desk.control.put("/_control", json={"outage": True})

    await desk.creator.create()
    (down,) = desk.payments(code)
    await desk.control.put("/_control", json={})
    soon = await desk.creator.create()
    desk.intake.database.now += timedelta(seconds=61)
    later = await desk.creator.create()

    (created,) = desk.payments(code)
    assert (down.status, down.attempts) == (PaymentStatus.DUE, 1)
    assert down.last_error.startswith("HTTP 503")
    assert down.next_attempt_at > desk.intake.database.now - timedelta(seconds=61)
    assert soon == 0, "not due again before its delay"
    assert later == 1
    assert (created.status, created.attempts) == (PaymentStatus.PENDING, 2)


async def test_a_claimed_payment_is_not_claimed_again_while_its_lease_holds() -> None:
    desk = Desk()
    code = await desk.land_dossier()
    await desk.creator.record_fees()
    async with desk.intake.database.unit_of_work() as uow:
        first = await uow.store.claim_payments(uow.now, timedelta(seconds=60), uuid4(), 10)
        second = await uow.store.claim_payments(uow.now, timedelta(seconds=60), uuid4(), 10)

    assert [p.code for p in first] == [code]
    assert second == []


async def test_paid_fees_receive_the_dossier_with_its_receipt_as_a_document() -> None:
    desk = Desk()
    code = await desk.land_dossier()
    await desk.creator.create()

    callback = await desk.pay(code)

    row = desk.store.by_code(code)
    (payment,) = desk.payments(code)
    assert callback["state"] == "delivered"
    assert callback["attempts"][-1]["status_code"] == 200
    assert row["status"] == DossierStatus.RECEIVING
    assert payment.status is PaymentStatus.PAID
    assert [f.payment_id for f in desk.store.receipt_fees[row["id"]]] == [payment.new.payment_id]
    received = desk.intake.database.outbox.events[-1]
    assert isinstance(received, DossierSubmitted)
    (receipt,) = [d for d in received.documents if d.role is DocumentRole.PAYMENT_RECEIPT]
    assert receipt.document_id == payment.receipt_document_id
    body = await desk.objects.get(object_key(receipt.sha256))
    assert body.startswith(b"%PDF-")
    assert hashlib.sha256(body).hexdigest() == receipt.sha256
    assert desk.intake.database.journal.actions(code)[-2:] == ["payment received", "dossier received"]
    history = desk.store.histories[row["id"]]
    assert [entry["status"] for entry in history] == ["new", "receiving"], "one entry per change: new once"
    assert (history[-1]["note"] or "").startswith("receipt fees paid: 100.000 VND (transaction TX")
    assert (history[-1]["note"] or "").endswith("; received: the papers and receipt fees are complete")


async def test_the_same_payment_told_paid_again_changes_nothing() -> None:
    desk = Desk()
    code = await desk.land_dossier()
    await desk.creator.create()
    await desk.pay(code)
    before = desk.state(code)

    again = await desk.send_again(code)

    assert again["status_code"] == 200
    assert json.loads(again["answer"])["changed"] is False
    assert desk.state(code) == before


async def test_forged_replayed_and_mismatched_callbacks_from_the_platform_change_nothing() -> None:
    desk = Desk()
    code = await desk.land_dossier()
    await desk.creator.create()
    await desk.pay(code)
    before = desk.state(code)

    forged = await desk.send_again(code, secret="guessed")
    replayed = await desk.send_again(code, timestamp=int(time.time()) - 3600)
    mismatched = await desk.send_again(code, amount_vnd=1_000)

    assert [a["status_code"] for a in (forged, replayed, mismatched)] == [401, 401, 409]
    assert "X-Payment-Signature" in forged["answer"]
    assert "X-Payment-Timestamp" in replayed["answer"]
    assert "amount_vnd" in mismatched["answer"]
    assert desk.state(code) == before
    assert [desk.refused(reason) for reason in ("forged", "stale", "amount")] == [1, 1, 1]


async def test_refused_callbacks_are_counted_and_a_mismatch_is_journalled_on_the_dossier() -> None:
    desk = Desk()
    code = await desk.land_dossier()
    await desk.creator.create()
    (payment,) = desk.payments(code)
    before = desk.state(code)
    body = _body(payment.created.platform_payment_id, payment.new.payment_id, 100_000)

    forged = await desk.api.take(body, _signed(body, secret="guessed"))
    stale = await desk.api.take(body, _signed(body, at=int(time.time()) - 301))
    unsigned = await desk.api.take(body, {})
    less = _body(payment.created.platform_payment_id, payment.new.payment_id, 10_000)
    mismatched = await desk.api.take(less, _signed(less))
    stranger = _body("pay-0", uuid4(), 100_000)
    unknown = await desk.api.take(stranger, _signed(stranger))
    garbled = await desk.api.take(b'{"payment_id": "x"}', _signed(b'{"payment_id": "x"}'))

    assert [r.status_code for r in (forged, stale, unsigned, mismatched, unknown, garbled)] == [
        401,
        401,
        401,
        409,
        404,
        422,
    ]
    assert json.loads(bytes(forged.body))["errors"][0]["field"] == "X-Payment-Signature"
    assert json.loads(bytes(stale.body))["errors"][0]["field"] == "X-Payment-Timestamp"
    assert json.loads(bytes(mismatched.body))["errors"][0]["field"] == "amount_vnd"
    assert forged.headers["content-type"] == "application/problem+json"
    assert desk.state(code) == before
    reasons = ("forged", "stale", "unsigned", "amount", "unknown", "malformed")
    assert [desk.refused(reason) for reason in reasons] == [1, 1, 1, 1, 1, 1]
    assert desk.intake.database.journal.actions(code)[-1] == "payment callback refused"
    assert desk.intake.database.journal.entries[-1].details == {
        "payment_id": str(payment.new.payment_id),
        "reason": "amount",
    }


async def test_a_receipt_that_cannot_be_fetched_or_stored_now_answers_503_and_the_platform_calls_again() -> None:
    desk = Desk()
    code = await desk.land_dossier()
    await desk.creator.create()
    before = desk.state(code)
    (payment,) = desk.payments(code)
    body = _body(payment.created.platform_payment_id, payment.new.payment_id, 100_000)

    desk.objects.available = False
    store_down = await desk.pay(code)
    desk.objects.available = True
    await desk.control.put("/_control", json={"outage": True})
    platform_down = await desk.api.take(body, _signed(body))
    await desk.control.put("/_control", json={})
    unchanged = desk.state(code)
    called_again = await desk.send_again(code)

    assert store_down["state"] == "given-up"
    assert [a["status_code"] for a in store_down["attempts"]] == [503, 503, 503]
    assert platform_down.status_code == 503
    assert platform_down.headers["retry-after"]
    assert unchanged == before
    assert called_again["status_code"] == 200
    assert json.loads(called_again["answer"]) == {
        "payment_id": str(payment.new.payment_id),
        "status": "paid",
        "changed": True,
    }
    assert desk.store.by_code(code)["status"] == DossierStatus.RECEIVING


async def test_an_obligation_while_paying_is_created_once_and_its_payment_tells_routing() -> None:
    desk = Desk()
    code = _code(await desk.intake.receive())
    due = PaymentDue(amount_vnd=2_500_000, description="Tiền sử dụng đất")

    await desk.intake.status_changes_to(code, DossierStatus.PAYING, sequence=5, payment=due)
    await desk.intake.status_changes_to(code, DossierStatus.PAYING, sequence=5, payment=due)  # redelivered
    await desk.creator.create()
    await desk.pay(code)

    (payment,) = desk.payments(code)
    assert (payment.new.purpose, payment.new.cause, payment.status) == (
        Purpose.OBLIGATION,
        "obligation:5",
        PaymentStatus.PAID,
    )
    paid = desk.intake.database.outbox.events[-1]
    assert isinstance(paid, DossierPaid)
    assert (paid.payment_id, paid.amount_vnd, paid.dossier_code) == (payment.new.payment_id, 2_500_000, code)
    assert paid.receipt.role is DocumentRole.PAYMENT_RECEIPT
    assert paid.receipt.document_id == payment.receipt_document_id
    assert desk.store.by_code(code)["status"] == DossierStatus.PAYING, "routing resumes it"


async def test_an_obligation_paid_is_noted_in_the_change_that_resumes_the_dossier_not_as_paying_again() -> None:
    desk = Desk()
    code = _code(await desk.intake.receive())
    due = PaymentDue(amount_vnd=2_500_000, description="Tiền sử dụng đất")
    await desk.intake.status_changes_to(code, DossierStatus.PROCESSING, sequence=4)
    await desk.intake.status_changes_to(code, DossierStatus.PAYING, sequence=5, payment=due)
    await desk.creator.create()
    await desk.pay(code)
    paying = [entry["status"] for entry in desk.store.histories[desk.store.by_code(code)["id"]]]

    await desk.intake.status_changes_to(code, DossierStatus.PROCESSING, sequence=6)

    history = desk.store.histories[desk.store.by_code(code)["id"]]
    assert paying[-1] == "paying"
    assert [entry["status"] for entry in history] == [*paying, "processing"]
    assert history[-1]["note"] == "financial obligation paid: 2.500.000 VND"


async def test_leaving_paying_unpaid_notes_no_payment() -> None:
    desk = Desk()
    code = _code(await desk.intake.receive())
    due = PaymentDue(amount_vnd=2_500_000, description="Tiền sử dụng đất")
    await desk.intake.status_changes_to(code, DossierStatus.PAYING, sequence=5, payment=due)

    await desk.intake.status_changes_to(code, DossierStatus.CANCELLED, sequence=6, reason="rút hồ sơ")

    assert desk.store.notes(code)[-1] == "rút hồ sơ"


async def test_a_payment_of_a_dossier_no_longer_paying_is_not_created() -> None:
    desk = Desk()
    code = _code(await desk.intake.receive())
    due = PaymentDue(amount_vnd=2_500_000, description="Tiền sử dụng đất")
    await desk.intake.status_changes_to(code, DossierStatus.PAYING, sequence=5, payment=due)
    await desk.intake.status_changes_to(code, DossierStatus.CANCELLED, sequence=6)

    taken = await desk.creator.create()

    (payment,) = desk.payments(code)
    assert taken == 0
    assert payment.status is PaymentStatus.DUE
    assert (await desk.control.get("/_received")).json() == []


async def test_a_status_change_without_an_obligation_records_no_payment() -> None:
    desk = Desk()
    code = _code(await desk.intake.receive())

    await desk.intake.status_changes_to(code, DossierStatus.PROCESSING, sequence=2)

    assert desk.payments(code) == []


def _body(platform_id: str, merchant_ref: UUID, amount: int) -> bytes:
    sent = {
        "payment_id": platform_id,
        "merchant_ref": str(merchant_ref),
        "amount_vnd": amount,
        "transaction_id": "TX42",
        "paid_at": datetime.now(UTC).isoformat(),
    }
    return json.dumps(sent).encode()


def _signed(body: bytes, *, secret: str = SECRET, at: int | None = None) -> dict[str, str]:
    timestamp = str(int(time.time()) if at is None else at)
    signature = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {HEADERS[0]: timestamp, HEADERS[1]: signature}
