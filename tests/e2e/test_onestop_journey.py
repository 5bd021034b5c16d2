"""The whole one-stop journey on the running services, the real object store, the payment and postal stand-ins and
real signatures: papers handed in, fees paid, a financial obligation paid, a signed result returned, and the national
portal told every status of each dossier in order.

Points other files cover on the same stack are not repeated here: each way of returning a result on its own
(``test_result_return.py``; the counter's hand-over also ends ``test_dossier_journey.py``), the receipt fee's
forged, replayed and mismatched callbacks (``test_payments.py``), uploads and completing a new dossier
(``test_documents.py``), and who may read a task's documents (``test_task_documents.py``).
"""

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from stack import ServiceStack
from standins.process import StandinServers

from services.department.results.verification import load_roots, verify
from shared.contracts import DossierStatus, object_key
from shared.kernel.s3_object_store import S3ObjectStore
from shared.kernel.settings import CommonSettings
from tests.support import clerks
from tests.support.announced import status_changes
from tests.support.dossiers import (
    BIRTH_GROUP_IN_QUYNH_LUU,
    BIRTH_IN_QUYNH_LUU,
    LAND_IN_QUYNH_LUU,
    act,
    dossier_status,
    ledger,
    open_task,
    required_keys,
    sample_pdf,
    submit,
    upload,
)
from tests.support.journey import received
from tests.support.object_store import local_object_store_settings
from tests.support.payments import pay_obligation, pay_receipt_fees, payment, platform_id
from tests.support.waiting import eventually

CENTRE = "000.01.15.H40"
"""Quỳnh Lưu's one-stop centre, where both dossiers are filed."""
LAND_OFFICE = "40.SNNMT"
"""Nghệ An's Department of Agriculture and Environment: it registers the land and notifies the obligation."""
ADDRESS = "Xóm 5, xã Quỳnh Lưu, tỉnh Nghệ An"
UNCHANGING = ("status", "payments", "documents", "history", "missing")
OBLIGATION = {"amount_vnd": 1_250_000, "description": "Tiền sử dụng đất theo Thông báo số 12/TB-CCT"}


@pytest.fixture
async def objects(stack: ServiceStack) -> AsyncIterator[S3ObjectStore]:
    """The object store the stack's services keep documents in."""
    store = S3ObjectStore.from_settings(local_object_store_settings(stack.env.get("LIENTHONG_OBJECT_STORE_BUCKET")))
    yield store
    await store.close()


@pytest.fixture
def trusted(signing_ca: dict[str, str]) -> list[x509.Certificate]:
    """The root the stack's signing authority issues the units' certificates from: what a verifier trusts."""
    return load_roots(Path(signing_ca["LIENTHONG_SIGNING_CA_CERT_FILE"]))


async def _view(http: httpx.AsyncClient, intake: str, code: str) -> dict[str, Any]:
    response = await http.get(f"{intake}/v1/dossiers/{code}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _one_entry_per_change(view: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The dossier's history as (status, note), checked to hold one entry per change of status or unit, in time."""
    history = view["history"]
    moves = [(h["status"], h["unit"]) for h in history]
    assert all(a != b for a, b in pairwise(moves)), f"an entry repeats the last: {history}"
    times = [datetime.fromisoformat(h["at"]) for h in history]
    assert times == sorted(times), f"entries out of time order: {history}"
    return [(h["status"], h["note"]) for h in history]


async def _signed_by(pdf: bytes, unit: str, code: str, trusted: list[x509.Certificate]) -> None:
    """The validator finds ``pdf`` signed by ``unit``, intact, valid and trusted; one character of the dossier code
    changed in a copy breaks it."""
    verdict = await verify(pdf, trusted)
    assert (verdict.intact, verdict.valid, verdict.trusted, verdict.good) == (True, True, True, True), verdict
    assert unit in (verdict.signer or ""), verdict.signer
    at = pdf.index(code.encode())  # in the document's title and subject, inside the signed range
    tampered = pdf[:at] + code.replace("H40", "H41").encode() + pdf[at + len(code) :]
    broken = await verify(tampered, trusted)
    assert not broken.good, broken
    assert not broken.intact, broken


async def _portal_codes(
    http: httpx.AsyncClient, standins: StandinServers, settings: CommonSettings, dossier_id: str, code: str
) -> list[int]:
    """The status codes the portal's stand-in holds for the finished dossier, once it holds every change routing
    announced, in the order announced; none repeats the last record's status and handling unit."""
    announced = await status_changes(settings, dossier_id)

    async def all_received() -> list[dict[str, Any]] | None:
        records: list[dict[str, Any]] = (
            await http.get(f"{standins.url('portal')}/api/v1/dossiers/{code}/statuses")
        ).json()
        return records if len(records) >= len(announced) else None

    records = await eventually(all_received, what=f"{len(announced)} status records of {code} at the portal")
    assert [r["sync_id"] for r in records] == [a["event_id"] for a in announced]
    codes = [r["status_code"] for r in records]
    assert codes == [DossierStatus(a["status"]).portal_code for a in announced]
    told = [(r["status_code"], r["handling_unit"]) for r in records]
    assert all(a != b for a, b in pairwise(told)), f"a record repeats the last: {told}"
    return codes


async def test_the_birth_group_from_its_papers_and_fee_to_the_signed_result_downloaded_online(
    http: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    stack: ServiceStack,
    standins: StandinServers,
    settings: CommonSettings,
    objects: S3ObjectStore,
    trusted: list[x509.Certificate],
) -> None:
    intake, department = stack.url("intake"), stack.url("department")
    filed = await submit(http, intake, {**BIRTH_GROUP_IN_QUYNH_LUU, "result_delivery": "online"})
    code, secret = filed["code"], filed["lookup_secret"]
    assert (filed["status"], filed["due_at"]) == ("new", None), "every paper handed in, the residence fee not paid"
    [fee_missing] = filed["missing"]
    assert "10.000 VND" in fee_missing

    fee = await pay_receipt_fees(http, intake, standins, code)

    assert fee["amount_vnd"] == 10_000
    birth = await open_task(http, department, "17179.VP", code)
    papers = {d["catalogue_key"]: d for d in (await _view(http, intake, code))["documents"] if d["role"] == "component"}
    assert sorted(papers) == sorted(required_keys(BIRTH_GROUP_IN_QUYNH_LUU))
    for key, paper in papers.items():
        body = sample_pdf(key)
        assert (paper["media_type"], paper["size"], paper["sha256"]) == (
            "application/pdf",
            len(body),
            hashlib.sha256(body).hexdigest(),
        )
        assert await objects.get(object_key(paper["sha256"])) == body, f"{paper['name']} kept in the object store"
    await act(http, department, birth, "approve")
    card = await open_task(http, department, "40.BHXH", code)
    residence = await open_task(http, department, "17179.CA", code)
    await act(http, department, card, "approve")
    await act(http, department, residence, "approve")  # the last approval: its unit issues the result

    ready = await dossier_status(http, intake, code, "releasing")
    result = ready["result"]
    assert (result["kind"], result["issued_by"], result["delivery"], result["returned"]) == (
        "result",
        "17179.CA",
        "online",
        None,
    )
    downloaded = await anonymous.get(f"{intake}/v1/lookup/{code}/result", headers={"X-Lookup-Secret": secret})
    assert downloaded.status_code == 200, downloaded.text
    pdf = downloaded.content
    assert hashlib.sha256(pdf).hexdigest() == result["sha256"]
    assert await objects.get(object_key(result["sha256"])) == pdf
    done = await dossier_status(http, intake, code, "done")
    assert done["result"]["returned"]["way"] == "online"
    history = _one_entry_per_change(done)
    assert [status for status, _ in history][:2] == ["new", "receiving"]
    assert "receipt fees paid: 10.000 VND" in (history[1][1] or ""), "the fee noted where it received the dossier"
    assert history[-1] == ("done", "result downloaded online by the applicant")
    await _signed_by(pdf, "17179.CA", code, trusted)
    codes = await _portal_codes(http, standins, settings, filed["id"], code)
    assert codes == [1, 2, 4, 4, 4, 9, 10], "processing: at the birth's unit, the second stage's, the issuer"


def _forged_callback(pending: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """The platform's callback of ``pending``, paid, as someone without the platform's secret would sign it."""
    body = json.dumps(
        {
            "payment_id": platform_id(pending["pay_url"]),
            "merchant_ref": pending["payment_id"],
            "amount_vnd": pending["amount_vnd"],
            "transaction_id": "TX-FORGED-1",
            "paid_at": "2026-12-02T03:00:00+00:00",
        }
    ).encode()
    stamp = str(int(time.time()))
    signature = hmac.new(b"a guessed secret", stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return body, {"X-Payment-Timestamp": stamp, "X-Payment-Signature": signature, "Content-Type": "application/json"}


async def test_a_land_registration_pays_its_fee_and_obligation_and_its_signed_certificate_comes_by_post(
    http: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    stack: ServiceStack,
    standins: StandinServers,
    settings: CommonSettings,
    trusted: list[x509.Certificate],
) -> None:
    intake, department = stack.url("intake"), stack.url("department")
    dossier = {**LAND_IN_QUYNH_LUU, "result_delivery": "post", "postal_address": ADDRESS}
    receipt = await received(http, intake, standins, dossier)
    code = receipt["code"]
    await act(http, department, await open_task(http, department, "17179.KT", code), "approve")
    register = await open_task(http, department, LAND_OFFICE, code)

    notified = await act(http, department, register, "financial-obligation", OBLIGATION)

    assert notified["status"] == "waiting"
    paying = await dossier_status(http, intake, code, "paying")
    assert paying["portal_status_code"] == 6
    pending = await payment(http, intake, code, "obligation")
    assert pending["amount_vnd"] == OBLIGATION["amount_vnd"]
    before = await _view(http, intake, code)
    body, headers = _forged_callback(pending)
    forged = await anonymous.post(f"{intake}/v1/payments/callback", content=body, headers=headers)
    assert (forged.status_code, forged.json()["errors"][0]["field"]) == (401, "X-Payment-Signature"), forged.text
    after = await _view(http, intake, code)
    assert [after[k] for k in UNCHANGING] == [before[k] for k in UNCHANGING], "a forged callback changes nothing"
    assert after["status"] == "paying"

    paid = await pay_obligation(http, intake, standins, code)

    resumed = await open_task(http, department, LAND_OFFICE, code)
    assert resumed["id"] == register["id"], "the same task goes on"
    listed = await http.get(f"{department}/v1/tasks/{resumed['id']}/documents", headers=clerks.headers(LAND_OFFICE))
    assert listed.status_code == 200, listed.text
    receipts = [d for d in listed.json()["items"] if d["role"] == "payment-receipt"]
    assert paid["receipt_document_id"] in [d["document_id"] for d in receipts], "the e-receipt reaches the unit"
    await act(http, department, resumed, "approve")
    await act(http, department, await open_task(http, department, "17179.KT", code), "approve")
    ready = await dossier_status(http, intake, code, "releasing")
    assert (ready["result"]["issued_by"], ready["result"]["delivery"]) == ("17179.KT", "post")

    async def shipped() -> str | None:
        shipment = (await _view(http, intake, code))["result"]["shipment"]
        return shipment["tracking_id"] if shipment and shipment["status"] == "shipped" else None

    tracking_id = await eventually(shipped, what=f"the certificate of {code} handed to the postal service")
    delivered = await http.post(f"{standins.url('postal')}/control/shipments/{tracking_id}/deliver", json={})
    assert delivered.status_code == 200, delivered.text
    done = await dossier_status(http, intake, code, "done")
    assert (done["result"]["returned"]["way"], done["result"]["shipment"]["tracking_id"]) == ("post", tracking_id)
    history = _one_entry_per_change(done)
    assert ("processing", "financial obligation paid: 1.250.000 VND") in history, "noted where it resumed"
    assert history[-1] == ("done", f"result delivered by the postal service (tracking id {tracking_id})")
    applicant = clerks.citizen_headers(LAND_IN_QUYNH_LUU["applicant"]["citizen_id"])
    copy = await anonymous.get(f"{intake}/v1/lookup/{code}/result", headers=applicant)
    assert copy.status_code == 200, copy.text
    assert hashlib.sha256(copy.content).hexdigest() == done["result"]["sha256"]
    await _signed_by(copy.content, "17179.KT", code, trusted)
    codes = await _portal_codes(http, standins, settings, receipt["id"], code)
    assert codes == [1, 2, 4, 4, 6, 4, 4, 9, 10], "processing at each stage, paying between"


async def test_an_online_dossier_lacking_a_paper_stays_new_and_its_refusal_reaches_the_portal_and_the_applicant(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers, settings: CommonSettings
) -> None:
    intake = stack.url("intake")
    form = await upload(http, intake, "to-khai.pdf", sample_pdf("birth-registration-form"))
    papers = [{"document_id": form["document_id"], "catalogue_key": "birth-registration-form"}]
    filed = await submit(http, intake, {**BIRTH_IN_QUYNH_LUU, "documents": papers})
    code, reason = filed["code"], "Hồ sơ không thuộc thẩm quyền giải quyết"
    told_new = await ledger(http, stack.url("notification"), code, 1)
    assert (filed["status"], told_new[0]["status"]) == ("new", "new")
    assert "Giấy chứng sinh" in told_new[0]["message"], "the applicant is told what is missing"

    refused = await http.post(
        f"{intake}/v1/dossiers/{code}/acceptance-refusal",
        json={"reason": reason},
        headers=clerks.headers(CENTRE, "receiver"),
    )

    assert refused.status_code == 202, refused.text
    entries = await ledger(http, stack.url("notification"), code, 2)
    assert [e["status"] for e in entries] == ["new", "unresolved"]
    assert reason in entries[-1]["message"]
    assert await _portal_codes(http, standins, settings, filed["id"], code) == [1, 3]
    assert (await _view(http, intake, code))["portal_status_code"] == 3
