"""Fees paid through the payment platform's stand-in, on the real stack: a land dossier with every paper stays new
until its fee is paid, then is received with the e-receipt as a document; a forged, a replayed or a mismatched
callback is refused and changes nothing, and each refusal is counted."""

import hashlib
import hmac
import json
import time
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from stack import ServiceStack
from standins.process import StandinServers

from shared.contracts import object_key
from shared.kernel.s3_object_store import S3ObjectStore
from tests.support.dossiers import LAND_IN_RACH_GIA, submit
from tests.support.object_store import local_object_store_settings
from tests.support.payments import pay_receipt_fees, payment, platform_id
from tests.support.waiting import eventually

HEADERS = ("X-Payment-Timestamp", "X-Payment-Signature")


async def _view(http: httpx.AsyncClient, intake: str, code: str) -> dict[str, Any]:
    response = await http.get(f"{intake}/v1/dossiers/{code}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _unchanging(view: dict[str, Any]) -> dict[str, Any]:
    """What a refused callback must leave as it was."""
    return {name: view[name] for name in ("status", "payments", "documents", "receipt_fees", "history", "missing")}


async def _refused(http: httpx.AsyncClient, intake: str) -> dict[str, float]:
    response = await http.get(f"{intake}/metrics")
    assert response.status_code == 200, response.text
    return {
        sample.labels["reason"]: sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if sample.name == "lienthong_payment_callbacks_refused_total"
    }


def _callback(pending: dict[str, Any], amount: int, secret: str, at: int) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "payment_id": platform_id(pending["pay_url"]),
            "merchant_ref": pending["payment_id"],
            "amount_vnd": amount,
            "transaction_id": "TX-E2E-1",
            "paid_at": "2026-12-02T03:00:00+00:00",
        }
    ).encode()
    signature = hmac.new(secret.encode(), str(at).encode() + b"." + body, hashlib.sha256).hexdigest()
    return body, {HEADERS[0]: str(at), HEADERS[1]: signature, "Content-Type": "application/json"}


async def test_a_land_dossier_stays_new_until_its_fee_is_paid_then_is_received_with_the_receipt(
    http: httpx.AsyncClient, anonymous: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    intake = stack.url("intake")
    receipt = await submit(http, intake, LAND_IN_RACH_GIA)
    code = receipt["code"]

    pending = await payment(http, intake, code, "receipt-fees")
    looked = await anonymous.get(f"{intake}/v1/lookup/{code}", headers={"X-Lookup-Secret": receipt["lookup_secret"]})
    still_new = await _view(http, intake, code)
    paid = await pay_receipt_fees(http, intake, standins, code)
    received = await eventually(
        lambda: _status_past_new(http, intake, code), what=f"{code} received once its fee is paid"
    )

    assert (receipt["status"], receipt["due_at"]) == ("new", None)
    assert receipt["missing"] == ["Lệ phí cấp Giấy chứng nhận / Certificate fee: 100.000 VND"]
    assert (pending["amount_vnd"], pending["status"]) == (100_000, "pending")
    assert pending["description"] == f"Lệ phí cấp Giấy chứng nhận (hồ sơ {code})"
    assert pending["pay_url"].startswith(f"{standins.url('payment')}/pay/")
    assert pending["qr_payload"].startswith("000201010212")
    assert looked.status_code == 200, looked.text
    assert [(p["status"], p["pay_url"]) for p in looked.json()["payments"]] == [("pending", pending["pay_url"])]
    assert still_new["status"] == "new"
    assert paid["pay_url"] is None, "nothing left to pay"
    assert received["due_at"] is not None
    assert received["missing"] == []
    assert [fee["paid_at"] for fee in received["receipt_fees"]] != [None]
    (kept,) = [d for d in received["documents"] if d["role"] == "payment-receipt"]
    assert kept["document_id"] == paid["receipt_document_id"]
    assert kept["media_type"] == "application/pdf"
    objects = S3ObjectStore.from_settings(local_object_store_settings(stack.env.get("LIENTHONG_OBJECT_STORE_BUCKET")))
    try:
        body = await objects.get(object_key(kept["sha256"]))
    finally:
        await objects.close()
    assert body.startswith(b"%PDF-")
    assert hashlib.sha256(body).hexdigest() == kept["sha256"]
    sent = [c for c in standins.callbacks("payment") if c["body"]["merchant_ref"] == pending["payment_id"]]
    assert [c["state"] for c in sent] == ["delivered"]


async def _status_past_new(http: httpx.AsyncClient, intake: str, code: str) -> dict[str, Any] | None:
    view = await _view(http, intake, code)
    return view if view["status"] not in ("new",) else None


async def test_forged_replayed_unknown_and_mismatched_callbacks_are_refused_and_change_nothing(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers, run_keys: dict[str, str]
) -> None:
    intake = stack.url("intake")
    secret = run_keys["LIENTHONG_PAYMENT_CALLBACK_SECRET"]
    code = (await submit(http, intake, LAND_IN_RACH_GIA))["code"]
    pending = await payment(http, intake, code, "receipt-fees")
    before, counted = await _view(http, intake, code), await _refused(http, intake)
    now = int(time.time())
    url = f"{intake}/v1/payments/callback"

    forged = await http.post(url, content=(c := _callback(pending, 100_000, "guessed", now))[0], headers=c[1])
    replayed = await http.post(url, content=(c := _callback(pending, 100_000, secret, now - 3600))[0], headers=c[1])
    mismatched = await http.post(url, content=(c := _callback(pending, 1_000, secret, now))[0], headers=c[1])
    stranger = {**pending, "payment_id": "00000000-0000-4000-8000-000000000000"}
    unknown = await http.post(url, content=(c := _callback(stranger, 100_000, secret, now))[0], headers=c[1])

    assert [r.status_code for r in (forged, replayed, mismatched, unknown)] == [401, 401, 409, 404]
    assert [r.json()["errors"][0]["field"] for r in (forged, replayed, mismatched, unknown)] == [
        "X-Payment-Signature",
        "X-Payment-Timestamp",
        "amount_vnd",
        "merchant_ref",
    ]
    assert all(r.headers["content-type"] == "application/problem+json" for r in (forged, replayed, mismatched))
    assert _unchanging(await _view(http, intake, code)) == _unchanging(before)
    after = await _refused(http, intake)
    for reason in ("forged", "stale", "amount", "unknown"):
        assert after.get(reason, 0) == counted.get(reason, 0) + 1, reason


async def test_a_paid_fee_told_again_changes_nothing_and_its_replay_or_another_amount_is_refused(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    intake = stack.url("intake")
    code = (await submit(http, intake, LAND_IN_RACH_GIA))["code"]
    paid = await pay_receipt_fees(http, intake, standins, code)
    before = await _view(http, intake, code)
    (sent,) = [c for c in standins.callbacks("payment") if c["body"]["merchant_ref"] == paid["payment_id"]]
    again_url = f"{standins.url('payment')}/control/payments/{sent['body']['payment_id']}/callback"

    told_again = (await http.post(again_url, json={})).json()
    replayed = (await http.post(again_url, json={"timestamp": int(time.time()) - 3600})).json()
    more = (await http.post(again_url, json={"amount_vnd": 200_000})).json()

    assert told_again["status_code"] == 200, told_again
    assert json.loads(told_again["answer"])["changed"] is False
    assert (replayed["status_code"], more["status_code"]) == (401, 409)
    assert _unchanging(await _view(http, intake, code)) == _unchanging(before)
