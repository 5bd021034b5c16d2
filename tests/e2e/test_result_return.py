"""The signed result handed back through the running services: at the counter, downloaded with the receipt's
secret, or delivered by the postal stand-in; each returns it once and the dossier ends done."""

import hashlib
import json
import time
from typing import Any
from urllib.parse import quote

import httpx
from stack import ServiceStack
from standins.process import StandinServers

from services.intake.signed_callbacks import signature
from tests.support import clerks
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, act, dossier_status, open_task, submit
from tests.support.waiting import eventually

CENTRE, OFFICE = "000.01.15.H40", "17179.VP"
RECEIVER = clerks.headers(CENTRE, "receiver", clerk="tn.mai")
ADDRESS = "Xóm 3, xã Quỳnh Lưu, huyện Quỳnh Lưu, Nghệ An"


async def _releasing(
    http: httpx.AsyncClient, stack: ServiceStack, dossier: dict[str, Any] = BIRTH_IN_QUYNH_LUU
) -> tuple[dict[str, Any], dict[str, Any]]:
    """File the dossier with its papers, approve its one task; its receipt and intake's view once releasing."""
    receipt = await submit(http, stack.url("intake"), dossier)
    task = await open_task(http, stack.url("department"), OFFICE, receipt["code"])
    await act(http, stack.url("department"), task, "approve")
    return receipt, await dossier_status(http, stack.url("intake"), receipt["code"], "releasing")


async def test_a_receiver_hands_the_result_over_once_and_the_dossier_is_done(
    http: httpx.AsyncClient, stack: ServiceStack
) -> None:
    receipt, releasing = await _releasing(http, stack)
    code, intake = receipt["code"], stack.url("intake")
    result = releasing["result"]
    assert (result["kind"], result["media_type"], result["issued_by"], result["delivery"]) == (
        "result",
        "application/pdf",
        OFFICE,
        "counter",
    )
    assert releasing["portal_status_code"] == 9

    handed = await http.post(f"{intake}/v1/dossiers/{code}/result-handover", headers=RECEIVER)
    again = await http.post(f"{intake}/v1/dossiers/{code}/result-handover", headers=RECEIVER)

    assert handed.status_code == 200, handed.text
    assert handed.json()["result"]["returned"]["way"] == "counter"
    assert (again.status_code, again.json()["errors"][0]["field"]) == (409, "result"), again.text
    done = await dossier_status(http, intake, code, "done")
    assert done["portal_status_code"] == 10
    assert "result handed over at the receiving centre" in [h["note"] for h in done["history"]]
    other_centre = clerks.headers("000.07.15.H91", "receiver")
    assert (await http.post(f"{intake}/v1/dossiers/{code}/result-handover", headers=other_centre)).status_code == 404


async def test_the_applicant_downloads_the_signed_pdf_with_the_receipts_secret_which_returns_it(
    http: httpx.AsyncClient, anonymous: httpx.AsyncClient, stack: ServiceStack
) -> None:
    receipt, releasing = await _releasing(http, stack, {**BIRTH_IN_QUYNH_LUU, "result_delivery": "online"})
    code, intake = receipt["code"], stack.url("intake")
    url = f"{intake}/v1/lookup/{code}/result"

    wrong = await anonymous.get(url, headers={"X-Lookup-Secret": "AAAA-BBBB-CCCC"})
    stranger = await anonymous.get(url, headers=clerks.citizen_headers("040079001234"))
    first = await anonymous.get(url, headers={"X-Lookup-Secret": receipt["lookup_secret"]})

    assert (wrong.status_code, stranger.status_code) == (404, 404)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "application/pdf"
    assert first.content.startswith(b"%PDF")
    assert hashlib.sha256(first.content).hexdigest() == releasing["result"]["sha256"]
    saved_as = f"filename*=UTF-8''{quote(releasing['result']['name'], safe='')}"
    assert saved_as in first.headers["content-disposition"]
    done = await dossier_status(http, intake, code, "done")
    assert done["result"]["returned"]["way"] == "online"
    later = await anonymous.get(url, headers=clerks.citizen_headers(BIRTH_IN_QUYNH_LUU["applicant"]["citizen_id"]))
    assert (later.status_code, later.content) == (200, first.content)


async def test_the_postal_service_delivers_the_result_and_a_forged_delivery_changes_nothing(
    http: httpx.AsyncClient, anonymous: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    dossier = {**BIRTH_IN_QUYNH_LUU, "result_delivery": "post", "postal_address": ADDRESS}
    receipt, _ = await _releasing(http, stack, dossier)
    code, intake = receipt["code"], stack.url("intake")

    async def shipped() -> str | None:
        view = (await http.get(f"{intake}/v1/dossiers/{code}")).json()
        shipment = view["result"]["shipment"]
        return shipment["tracking_id"] if shipment and shipment["status"] == "shipped" else None

    tracking_id = await eventually(shipped, what=f"the result of {code} shipped")
    body = json.dumps(
        {"tracking_id": tracking_id, "reference": code, "delivered_at": "2026-12-02T08:00:00+00:00"}
    ).encode()
    stamp = str(int(time.time()))
    forged = await anonymous.post(
        f"{intake}/v1/postal/deliveries",
        content=body,
        headers={"X-Postal-Timestamp": stamp, "X-Postal-Signature": signature(b"a guess", stamp, body)},
    )
    assert (forged.status_code, forged.json()["errors"][0]["field"]) == (401, "X-Postal-Signature")
    assert (await http.get(f"{intake}/v1/dossiers/{code}")).json()["status"] == "releasing"

    delivered = await anonymous.post(f"{standins.url('postal')}/control/shipments/{tracking_id}/deliver", json={})

    assert delivered.status_code == 200, delivered.text
    done = await dossier_status(http, intake, code, "done")
    assert (done["result"]["returned"]["way"], done["result"]["shipment"]["status"]) == ("post", "delivered")
    assert done["result"]["shipment"]["tracking_id"] == tracking_id
