"""Two instances of every service (``stack.py start --instances all=2``) carry the one-stop journeys.

Every HTTP call of the journeys goes to one of the service's two instances in turn (a
:class:`~tests.support.two_instances.Spreading` client): a dossier is filed through one intake, its fee
paid back through whichever intake the payment platform calls, its tasks opened and decided through
either department, its result handed over through either intake. The consumers of each service's groups
are shared between its two processes, and each worker shares or hands over its work (its relay held by
one instance at a time). A clerk's claim made through one department is what the other shows.
"""

from collections.abc import AsyncIterator
from itertools import pairwise
from typing import Any

import httpx
import pytest

from tests.support import clerks
from tests.support.announced import status_changes
from tests.support.dossiers import BIRTH_GROUP_IN_QUYNH_LUU, LAND_IN_QUYNH_LUU, act, dossier_status, open_task, submit
from tests.support.journey import hand_over, received
from tests.support.payments import pay_obligation, pay_receipt_fees
from tests.support.two_instances import Spreading, TwoInstances
from tests.support.waiting import eventually

LAND_OFFICE = "40.SNNMT"
OBLIGATION = {"amount_vnd": 1_250_000, "description": "Tiền sử dụng đất theo Thông báo số 12/TB-CCT"}


@pytest.fixture
async def spread(two_instances: TwoInstances) -> AsyncIterator[tuple[httpx.AsyncClient, Spreading]]:
    """A client whose requests for a service go to its two instances in turn, and the transport counting them."""
    transport = two_instances.spreading()
    async with httpx.AsyncClient(transport=transport, timeout=10, headers=clerks.harness_headers()) as client:
        yield client, transport


def _both_served(pair: TwoInstances, transport: Spreading, *services: str) -> dict[str, list[int]]:
    """Requests each instance of ``services`` was sent; asserts every instance had some."""
    served = {s: [transport.served[pair.stack.ports[key]] for key in pair.stack.instances(s)] for s in services}
    assert all(len(counts) == 2 and min(counts) > 0 for counts in served.values()), served
    return served


async def _portal_codes(http: httpx.AsyncClient, pair: TwoInstances, dossier_id: str, code: str) -> list[int]:
    """The portal's status codes for the dossier once it holds every change routing announced, none twice."""
    announced = await status_changes(pair.settings, dossier_id)

    async def all_received() -> list[dict[str, Any]] | None:
        response = await http.get(f"{pair.standins.url('portal')}/api/v1/dossiers/{code}/statuses")
        records: list[dict[str, Any]] = response.json()
        return records if len(records) >= len(announced) else None

    records = await eventually(all_received, what=f"{len(announced)} status records of {code} at the portal")
    assert [r["sync_id"] for r in records] == [a["event_id"] for a in announced], "each change once, in order"
    return [r["status_code"] for r in records]


async def test_the_birth_group_goes_from_its_fee_to_its_result_downloaded_through_either_instance(
    two_instances: TwoInstances, spread: tuple[httpx.AsyncClient, Spreading]
) -> None:
    http, transport = spread
    intake, department = two_instances.url("intake"), two_instances.url("department")
    filed = await submit(http, intake, {**BIRTH_GROUP_IN_QUYNH_LUU, "result_delivery": "online"})
    code, secret = filed["code"], filed["lookup_secret"]
    assert filed["status"] == "new", "the residence fee not paid yet"

    await pay_receipt_fees(http, intake, two_instances.standins, code)
    await act(http, department, await open_task(http, department, "17179.VP", code), "approve")
    await act(http, department, await open_task(http, department, "40.BHXH", code), "approve")
    await act(http, department, await open_task(http, department, "17179.CA", code), "approve")

    ready = await dossier_status(http, intake, code, "releasing")
    assert ready["result"]["issued_by"] == "17179.CA"
    async with httpx.AsyncClient(timeout=10) as anonymous:  # the applicant, with the receipt's secret only
        for url in two_instances.stack.urls("intake"):  # either intake hands the result out
            downloaded = await anonymous.get(f"{url}/v1/lookup/{code}/result", headers={"X-Lookup-Secret": secret})
            assert downloaded.status_code == 200, downloaded.text
    done = await dossier_status(http, intake, code, "done")
    assert done["result"]["returned"]["way"] == "online"
    moves = [(h["status"], h["unit"]) for h in done["history"]]
    assert all(a != b for a, b in pairwise(moves)), f"an entry repeats the last: {done['history']}"
    assert await _portal_codes(http, two_instances, filed["id"], code) == [1, 2, 4, 4, 4, 9, 10]
    _both_served(two_instances, transport, "intake", "department")


async def test_a_land_registration_pays_its_fee_and_obligation_and_is_handed_over_through_either_instance(
    two_instances: TwoInstances, spread: tuple[httpx.AsyncClient, Spreading]
) -> None:
    http, transport = spread
    intake, department = two_instances.url("intake"), two_instances.url("department")
    receipt = await received(http, intake, two_instances.standins, LAND_IN_QUYNH_LUU)
    code = receipt["code"]
    await act(http, department, await open_task(http, department, "17179.KT", code), "approve")
    register = await open_task(http, department, LAND_OFFICE, code)
    assert (await act(http, department, register, "financial-obligation", OBLIGATION))["status"] == "waiting"
    await dossier_status(http, intake, code, "paying")

    await pay_obligation(http, intake, two_instances.standins, code)

    resumed = await open_task(http, department, LAND_OFFICE, code)
    assert resumed["id"] == register["id"], "the same task goes on"
    await act(http, department, resumed, "approve")
    await act(http, department, await open_task(http, department, "17179.KT", code), "approve")
    done = await hand_over(http, intake, code)
    assert (done["portal_status_code"], done["result"]["issued_by"]) == (10, "17179.KT")
    codes = await _portal_codes(http, two_instances, receipt["id"], code)
    assert codes == [1, 2, 4, 4, 6, 4, 4, 9, 10], "processing at each stage, paying between"
    plans = [(await http.get(f"{url}/v1/dossiers/{code}/plan")) for url in two_instances.stack.urls("routing")]
    assert [plan.status_code for plan in plans] == [200, 200], plans[0].text
    assert plans[0].json() == plans[1].json(), "either routing shows the same plan"
    _both_served(two_instances, transport, "intake", "department")


async def test_a_task_claimed_through_one_department_is_claimed_for_the_other(
    two_instances: TwoInstances, spread: tuple[httpx.AsyncClient, Spreading]
) -> None:
    http, _ = spread
    first, second = two_instances.stack.urls("department")
    code = (await received(http, two_instances.url("intake"), two_instances.standins, LAND_IN_QUYNH_LUU))["code"]
    task = await open_task(http, first, "17179.KT", code)
    unit = task["unit_code"]
    tasks = f"/v1/tasks/{task['id']}"
    async with httpx.AsyncClient(timeout=10) as plain:  # each request to the instance it names
        claimed = await plain.post(
            f"{first}{tasks}/claim", headers=clerks.headers(unit, "handler", clerk="lan", version=task["version"])
        )
        assert claimed.status_code == 200, claimed.text

        seen = await plain.get(f"{second}{tasks}", headers=clerks.headers(unit))
        assert seen.status_code == 200, seen.text
        assert (seen.json()["task"]["claimed_by"], seen.json()["task"]["version"]) == ("lan", task["version"] + 1)
        stale = await plain.post(
            f"{second}{tasks}/claim", headers=clerks.headers(unit, "handler", clerk="minh", version=task["version"])
        )
        assert stale.status_code == 409, stale.text
        assert "version" in stale.json()["errors"][0]["reason"]
        current = clerks.headers(unit, "handler", clerk="minh", version=claimed.json()["version"])
        by_other = await plain.post(f"{second}{tasks}/claim", headers=current)
        assert by_other.status_code == 409, by_other.text
        listed = await plain.get(
            f"{second}/v1/units/{unit}/tasks", params={"dossier": code}, headers=clerks.headers(unit)
        )
    assert [t["claimed_by"] for t in listed.json()["items"]] == ["lan"]
