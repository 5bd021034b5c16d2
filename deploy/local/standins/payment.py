"""Stand-in for the national payment platform (Cổng thanh toán): payments, a pay page and QR, signed callbacks.

Merchant API (header ``X-Merchant-Key``):

- ``POST /api/payments`` {merchant_ref, amount_vnd, description, callback_url} → 201 {payment_id, pay_url,
  qr_payload, status "pending"}; the same ``merchant_ref`` again → 200 with the same payment (409 when its
  amount or description differ);
- ``GET /api/payments/{id}``; ``GET /api/payments/{id}/receipt``: the e-receipt PDF once paid (409 before).

The citizen pays on ``GET /pay/{id}`` (a page) or, for tests, ``POST /control/payments/{id}/pay``: the platform
then POSTs the callback {payment_id, merchant_ref, amount_vnd, transaction_id, paid_at} signed with
``X-Payment-Timestamp`` and ``X-Payment-Signature`` (:mod:`standins.signed_callbacks`), retried while the
merchant is down. ``GET /control/callbacks`` lists what was sent; ``POST /control/payments/{id}/callback``
sends the callback of a paid payment once more, optionally altered (amount, timestamp, secret): how tests
replay and forge.
"""

import html
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from standins.control import Standin, standin_app
from standins.payment_receipt import render_receipt, vnd
from standins.refusals import RefusedError, answer_refusals, header_key
from standins.signed_callbacks import DEFAULT_DELAYS, Attempt, CallbackSender
from standins.vietqr import vietqr_payload

TIMESTAMP_HEADER = "X-Payment-Timestamp"
SIGNATURE_HEADER = "X-Payment-Signature"
BANK_BIN = "970436"
"""The beneficiary bank of the QR (the State Treasury's collection account in real life)."""
ACCOUNT = "LIENTHONG0001"


class PaymentRequest(BaseModel):
    """What a merchant asks the platform to collect."""

    model_config = ConfigDict(extra="forbid")

    merchant_ref: str = Field(min_length=1, max_length=100, description="The merchant's id: one payment per ref.")
    amount_vnd: int = Field(gt=0, le=1_000_000_000_000)
    description: str = Field(min_length=1, max_length=500)
    callback_url: AnyHttpUrl


class Payment(BaseModel):
    """A payment as the platform holds it."""

    payment_id: str
    merchant_ref: str
    amount_vnd: int
    description: str
    pay_url: str
    qr_payload: str
    status: Literal["pending", "paid"] = "pending"
    created_at: datetime
    transaction_id: str | None = None
    paid_at: datetime | None = None


class CallbackChange(BaseModel):
    """How a test alters a callback sent again (none: the callback as it was, signed now)."""

    model_config = ConfigDict(extra="forbid")

    amount_vnd: int | None = None
    timestamp: int | None = Field(default=None, description="Unix seconds to sign with instead of now.")
    secret: str | None = Field(default=None, description="Sign with this secret instead of the platform's.")


def payment_app(
    standin: Standin | None = None,
    *,
    merchant_key: str = "local-payment-merchant-key",
    callback_secret: str = "local-payment-callback-secret",  # noqa: S107 - a stand-in's default
    delays: tuple[float, ...] = DEFAULT_DELAYS,
    callback_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The payment platform: it knows one merchant by ``merchant_key`` and signs callbacks with ``callback_secret``."""
    standin = standin or Standin("payment platform")
    sender = CallbackSender(callback_secret, TIMESTAMP_HEADER, SIGNATURE_HEADER, delays, callback_transport)
    payments: dict[str, Payment] = {}
    callback_urls: dict[str, str] = {}
    by_ref: dict[str, str] = {}
    receipts: dict[str, bytes] = {}

    def forget() -> None:
        for kept in (payments, callback_urls, by_ref, receipts):
            kept.clear()
        sender.forget()

    standin.on_reset.append(forget)

    def found(payment_id: str) -> Payment:
        if payment_id not in payments:
            raise RefusedError(404, f"no payment {payment_id!r}")
        return payments[payment_id]

    api = APIRouter(
        tags=["payment platform"],
        dependencies=[Depends(standin.misbehave), Depends(header_key("X-Merchant-Key", merchant_key))],
    )

    @api.post("/api/payments", status_code=201)
    async def create(asked: PaymentRequest, request: Request, response: Response) -> Payment:
        """Create a payment, or give back the one made for this merchant_ref."""
        if asked.merchant_ref in by_ref:
            payment = payments[by_ref[asked.merchant_ref]]
            if (payment.amount_vnd, payment.description) != (asked.amount_vnd, asked.description):
                raise RefusedError(409, f"merchant_ref {asked.merchant_ref!r} was used for another payment")
            standin.record("payment", asked.model_dump(mode="json"), duplicate=True)
            response.status_code = 200
            return payment
        payment_id = f"pay-{uuid.uuid4().hex}"
        payment = Payment(
            payment_id=payment_id,
            merchant_ref=asked.merchant_ref,
            amount_vnd=asked.amount_vnd,
            description=asked.description,
            pay_url=f"{str(request.base_url).rstrip('/')}/pay/{payment_id}",
            qr_payload=vietqr_payload(
                bank_bin=BANK_BIN, account=ACCOUNT, amount_vnd=asked.amount_vnd, reference=payment_id[4:29]
            ),
            created_at=datetime.now(UTC),
        )
        payments[payment_id] = payment
        callback_urls[payment_id] = str(asked.callback_url)
        by_ref[asked.merchant_ref] = payment_id
        standin.record("payment", asked.model_dump(mode="json"))
        return payment

    @api.get("/api/payments/{payment_id}")
    async def read(payment_id: str) -> Payment:
        """The payment and whether it is paid."""
        return found(payment_id)

    @api.get("/api/payments/{payment_id}/receipt", response_class=Response)
    async def receipt(payment_id: str) -> Response:
        """The e-receipt PDF of a paid payment."""
        payment = found(payment_id)
        if payment.status != "paid":
            raise RefusedError(409, f"payment {payment_id!r} is not paid")
        return Response(receipts[payment_id], media_type="application/pdf")

    control = APIRouter(tags=["payment platform control"])

    @control.get("/pay/{payment_id}", response_class=HTMLResponse)
    async def pay_page(payment_id: str) -> HTMLResponse:
        """What the citizen sees at ``pay_url``: the amount, what for, and a button that pays."""
        payment = found(payment_id)
        state = "Đã thanh toán / Paid" if payment.status == "paid" else "Chờ thanh toán / Waiting for payment"
        return HTMLResponse(
            "<!doctype html><meta charset=utf-8><title>Thanh toán</title>"
            f"<h1>{html.escape(vnd(payment.amount_vnd))}</h1><p>{html.escape(payment.description)}</p>"
            f"<p>{state}</p><pre>{html.escape(payment.qr_payload)}</pre>"
            f'<form method=post action="/control/payments/{html.escape(payment_id)}/pay">'
            "<button>Thanh toán / Pay</button></form>"
        )

    @control.post("/control/payments/{payment_id}/pay")
    async def pay(payment_id: str) -> Payment:
        """The citizen pays: the payment is paid and its callback sent (409 when it was paid before)."""
        payment = found(payment_id)
        if payment.status == "paid":
            raise RefusedError(409, f"payment {payment_id!r} is paid already")
        paid = payment.model_copy(
            update={"status": "paid", "transaction_id": f"TX{uuid.uuid4().hex[:16].upper()}", "paid_at": _now()}
        )
        payments[payment_id] = paid
        receipts[payment_id] = _receipt(paid)
        standin.record("paid", {"payment_id": payment_id})
        sender.deliver(callback_urls[payment_id], _callback(paid))
        return paid

    @control.post("/control/payments/{payment_id}/callback")
    async def send_again(payment_id: str, change: CallbackChange | None = None) -> Attempt:
        """Send a paid payment's callback once more, now, as ``change`` alters it; the merchant's answer."""
        payment = found(payment_id)
        if payment.status != "paid":
            raise RefusedError(409, f"payment {payment_id!r} is not paid")
        change = change or CallbackChange()
        body = _callback(payment)
        if change.amount_vnd is not None:
            body["amount_vnd"] = change.amount_vnd
        return await sender.send_once(callback_urls[payment_id], body, timestamp=change.timestamp, secret=change.secret)

    app = answer_refusals(standin_app(standin, api, control, sender.control_routes("payment platform control")))
    app.state.standin = standin
    return app


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _callback(payment: Payment) -> dict[str, Any]:
    assert payment.paid_at is not None
    return {
        "payment_id": payment.payment_id,
        "merchant_ref": payment.merchant_ref,
        "amount_vnd": payment.amount_vnd,
        "transaction_id": payment.transaction_id,
        "paid_at": payment.paid_at.isoformat(),
    }


def _receipt(payment: Payment) -> bytes:
    assert payment.paid_at is not None
    assert payment.transaction_id is not None
    return render_receipt(
        payment_id=payment.payment_id,
        merchant_ref=payment.merchant_ref,
        transaction_id=payment.transaction_id,
        amount_vnd=payment.amount_vnd,
        description=payment.description,
        paid_at=payment.paid_at,
    )
