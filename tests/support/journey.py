"""The one-stop journey's two ends for the end-to-end tests: a dossier received (papers handed in, receipt fees paid)
and its result handed back.

    receipt = await received(http, intake, standins, LAND_IN_QUYNH_LUU)   # filed, its 100.000 VND fee paid
    ...                                                                    # the units act on its tasks
    done = await hand_over(http, intake, receipt["code"])                  # releasing, then handed over: done
"""

from typing import Any

import httpx
from standins.process import StandinServers

from tests.support import clerks
from tests.support.dossiers import dossier_status, sample_pdf, submit, upload
from tests.support.payments import pay_receipt_fees
from tests.support.waiting import eventually

RESULT_COUNTER_CLERK = "tn.result-counter"
"""The receiver who hands results over at the centres' counters."""


async def received(
    http: httpx.AsyncClient, intake: str, standins: StandinServers, dossier: dict[str, Any], **headers: str
) -> dict[str, Any]:
    """File ``dossier`` with its required papers and pay its receipt fees, if its procedure charges any, as the
    applicant does at the payment platform; the receipt (code, id, lookup secret) with the dossier's status,
    receipt and due dates once it is received."""
    receipt = await submit(http, intake, dossier, **headers)
    if receipt["status"] != "new":
        return receipt
    code = receipt["code"]
    await pay_receipt_fees(http, intake, standins, code)

    async def no_longer_new() -> dict[str, Any] | None:
        view: dict[str, Any] = (await http.get(f"{intake}/v1/dossiers/{code}")).json()
        return view if view["status"] != "new" else None

    view = await eventually(no_longer_new, what=f"{code} received once its fees are paid")
    assert view["missing"] == [], view["missing"]
    return {**receipt, **{key: view[key] for key in ("status", "received_at", "due_at", "missing")}}


async def hand_in_supplements(
    http: httpx.AsyncClient, intake: str, code: str, names: list[str], note: str | None = None
) -> httpx.Response:
    """Upload a small PDF for the dossier per paper ``names`` a unit asked for, and hand them in as its supplements;
    intake's answer."""
    papers = [await upload(http, intake, f"{name}.pdf", sample_pdf(name), code=code) for name in names]
    body = {"documents": [paper["document_id"] for paper in papers], **({"note": note} if note else {})}
    return await http.post(f"{intake}/v1/dossiers/{code}/supplements", json=body)


async def hand_over(http: httpx.AsyncClient, intake: str, code: str) -> dict[str, Any]:
    """Wait for the dossier's signed result (``releasing``), hand it over at the counter as a receiver of its
    centre, and return intake's view of it once ``done``."""
    ready = await dossier_status(http, intake, code, "releasing")
    counter = clerks.headers(ready["receiving_agency"], "receiver", clerk=RESULT_COUNTER_CLERK)
    handed = await http.post(f"{intake}/v1/dossiers/{code}/result-handover", headers=counter)
    assert handed.status_code == 200, handed.text
    return await dossier_status(http, intake, code, "done")


def in_order(codes: list[int]) -> list[int]:
    """The portal's status codes as the applicant's journey reads them: a code repeated in a row (the dossier handed
    from one unit to another within a status, e.g. processing at each stage) counted once."""
    return [code for index, code in enumerate(codes) if index == 0 or codes[index - 1] != code]
