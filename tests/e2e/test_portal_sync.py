"""Every status change of a dossier reaches the national portal's stand-in, in order, through an outage."""

from datetime import datetime
from typing import Any

import httpx
from stack import ServiceStack
from standins.process import StandinServers

from shared.contracts import DossierStatus
from shared.kernel.settings import CommonSettings
from tests.support.announced import status_changes
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, act, open_task, submit
from tests.support.journey import hand_over
from tests.support.waiting import eventually


async def _portal_syncs(http: httpx.AsyncClient, stack: ServiceStack, code: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = (
        await http.get(f"{stack.url('notification')}/v1/dossiers/{code}/portal-syncs")
    ).json()
    return entries


async def test_the_portal_receives_every_status_change_in_order_through_an_outage(
    http: httpx.AsyncClient, stack: ServiceStack, settings: CommonSettings, fresh_standins: StandinServers
) -> None:
    fresh_standins.behave("portal", outage=True)
    accepted = await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU)
    code = accepted["code"]

    async def failed_once() -> list[dict[str, Any]] | None:
        entries = await _portal_syncs(http, stack, code)
        return entries if entries and entries[0]["last_error"] else None

    waiting = await eventually(failed_once, what="the first portal record to fail")
    assert waiting[0]["state"] in ("pending", "sending")
    task = await open_task(http, stack.url("department"), "17179.VP", code)
    await act(http, stack.url("department"), task, "approve")
    await hand_over(http, stack.url("intake"), code)
    fresh_standins.behave("portal", outage=False)

    announced = await status_changes(settings, accepted["id"])
    assert [DossierStatus(a["status"]).portal_code for a in announced] == [2, 4, 9, 10], "each change once"

    async def all_received() -> list[dict[str, Any]] | None:
        response = await http.get(f"{fresh_standins.url('portal')}/api/v1/dossiers/{code}/statuses")
        statuses: list[dict[str, Any]] = response.json()
        return statuses if len(statuses) >= len(announced) else None

    received = await eventually(all_received, what=f"{len(announced)} status records of {code} at the portal")
    assert [r["sync_id"] for r in received] == [a["event_id"] for a in announced]
    assert [r["status_code"] for r in received] == [DossierStatus(a["status"]).portal_code for a in announced]
    for record, change in zip(received, announced, strict=True):
        assert record["dossier_code"] == code
        assert record["procedure_code"] == "1.001193"
        assert record["applicant_id"] == BIRTH_IN_QUYNH_LUU["applicant"]["citizen_id"]
        assert record["applicant_name"] == BIRTH_IN_QUYNH_LUU["applicant"]["full_name"]
        assert datetime.fromisoformat(record["received_date"]) == datetime.fromisoformat(change["received_at"])
        assert datetime.fromisoformat(record["due_date"]) == datetime.fromisoformat(change["due_at"])
        assert record["handling_unit"] == change["handling_unit"]
    assert [r["result_date"] is not None for r in received] == [a["status"] == "done" for a in announced]

    syncs = await _portal_syncs(http, stack, code)
    assert [s["state"] for s in syncs] == ["delivered"] * len(announced)
    assert syncs[0]["attempts"] > 1, "the first record was tried through the outage"
