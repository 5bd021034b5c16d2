"""Roles per unit, supervisors releasing and reassigning claims, and claims that expire, on the running department."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from stack import ServiceStack
from standins.ports import free_port
from standins.process import StandinServers

from tests.support import clerks
from tests.support.dossiers import LAND_IN_QUYNH_LUU, open_task
from tests.support.journey import received

UNIT = "17179.KT"
"""The land office of Quỳnh Lưu, where land dossiers filed there are examined."""
OTHER_UNIT = "40.SNNMT"


@dataclass(frozen=True)
class Staff:
    """A clerk with roles per unit, as the identity provider issues them."""

    id: str
    unit_roles: dict[str, list[str]]

    def headers(self, version: int | None = None) -> dict[str, str]:
        answer = clerks.bearer(clerks.issuer().clerk_token(self.id, self.unit_roles))
        if version is not None:
            answer["If-Match"] = f'"{version}"'
        return answer


LAN = Staff("kt.nguyen-lan", {UNIT: ["handler"]})
MINH = Staff("kt.le-minh", {UNIT: ["handler"]})
HOA = Staff("kt.tran-hoa", {UNIT: ["supervisor"]})
# Handler in the commune's land office, supervisor in the province's department: two units, two sets of rights.
BINH = Staff("kt.pham-binh", {UNIT: ["handler"], OTHER_UNIT: ["supervisor"]})
VIET = Staff("snnmt.do-viet", {OTHER_UNIT: ["supervisor", "handler"]})


async def _fresh_task(http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers) -> dict[str, Any]:
    intake = stack.url("intake")
    code = (await received(http, intake, standins, LAND_IN_QUYNH_LUU, **clerks.client_headers()))["code"]
    return await open_task(http, stack.url("department"), UNIT, code)


async def _act(
    http: httpx.AsyncClient,
    department: str,
    task: dict[str, Any],
    action: str,
    clerk: Staff,
    body: dict[str, Any] | None = None,
) -> httpx.Response:
    """``clerk`` acts on the version of ``task`` they saw."""
    url = f"{department}/v1/tasks/{task['id']}/{action}"
    return await http.post(url, json=body, headers=clerk.headers(task["version"]))


async def _detail(http: httpx.AsyncClient, stack: ServiceStack, task: dict[str, Any]) -> dict[str, Any]:
    response = await http.get(f"{stack.url('department')}/v1/tasks/{task['id']}", headers=HOA.headers())
    assert response.status_code == 200, response.text
    detail: dict[str, Any] = response.json()
    return detail


def _problem_field(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "application/problem+json", response.text
    field: str = response.json()["errors"][0]["field"]
    return field


async def test_roles_hold_only_in_the_unit_they_are_given_for(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    department = stack.url("department")
    task = await _fresh_task(http, stack, standins)

    # Binh supervises the province's department, not the land office: no audit of the land office for him.
    assert (await http.get(f"{department}/v1/units/{UNIT}/audit", headers=BINH.headers())).status_code == 403
    assert (await http.get(f"{department}/v1/units/{OTHER_UNIT}/audit", headers=BINH.headers())).status_code == 200
    # Viet supervises and handles elsewhere: the land office's task does not exist for him.
    assert (await _act(http, department, task, "claim", VIET)).status_code == 404
    # Hoa supervises the land office but does not handle there.
    refused = await _act(http, department, task, "claim", HOA)
    assert refused.status_code == 403
    assert _problem_field(refused) == "roles"

    claimed = await _act(http, department, task, "claim", BINH)

    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["claimed_by"] == BINH.id


async def test_a_supervisor_releases_a_handlers_claim_and_the_audit_says_whose(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    department = stack.url("department")
    task = (await _act(http, department, await _fresh_task(http, stack, standins), "claim", LAN)).json()

    other_handler = await _act(http, department, task, "release", MINH)
    assert other_handler.status_code == 409
    assert _problem_field(other_handler) == "claimed_by"
    released = await _act(http, department, task, "release", HOA)

    assert released.status_code == 200, released.text
    assert (released.json()["claimed_by"], released.json()["claim_expires_at"]) == (None, None)
    audit = await http.get(f"{department}/v1/units/{UNIT}/audit", params={"task": task["id"]}, headers=HOA.headers())
    assert [(e["action"], e["actor"], e["detail"].get("claimed_by")) for e in audit.json()["items"]] == [
        ("released", HOA.id, LAN.id),
        ("claimed", LAN.id, None),
    ]


async def test_a_supervisor_reassigns_a_task_and_only_the_new_holder_works_it(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    department = stack.url("department")
    task = (await _act(http, department, await _fresh_task(http, stack, standins), "claim", LAN)).json()
    to_minh = {"clerk_id": MINH.id}

    assert (await _act(http, department, task, "reassignment", LAN, to_minh)).status_code == 403
    assert (await _act(http, department, task, "reassignment", VIET, to_minh)).status_code == 404
    unnamed = await _act(http, department, task, "reassignment", HOA, {"clerk_id": " "})
    assert (unnamed.status_code, _problem_field(unnamed)) == (422, "clerk_id")
    unversioned = await http.post(
        f"{department}/v1/tasks/{task['id']}/reassignment", json=to_minh, headers=HOA.headers()
    )
    assert (unversioned.status_code, _problem_field(unversioned)) == (428, "If-Match")
    before = datetime.now(UTC)
    reassigned = await _act(http, department, task, "reassignment", HOA, to_minh)

    assert reassigned.status_code == 200, reassigned.text
    view = reassigned.json()
    assert (view["claimed_by"], view["version"]) == (MINH.id, task["version"] + 1)
    lasts = datetime.fromisoformat(view["claim_expires_at"]) - datetime.fromisoformat(view["claimed_at"])
    assert lasts == timedelta(hours=8), "the default expiry, one working day"
    assert datetime.fromisoformat(view["claimed_at"]) >= before - timedelta(seconds=1)
    again = await _act(http, department, view, "reassignment", HOA, to_minh)
    assert (again.status_code, _problem_field(again)) == (409, "clerk_id")
    missing = {"missing": ["Sơ đồ thửa đất"]}
    assert (await _act(http, department, view, "supplement-request", LAN, missing)).status_code == 409
    asked = await _act(http, department, view, "supplement-request", MINH, missing)
    assert asked.status_code == 200, asked.text
    history = (await _detail(http, stack, task))["history"]
    reassignment = next(h for h in history if h["action"] == "reassigned")
    assert (reassignment["actor"], reassignment["by_clerk"]) == (HOA.id, True)
    assert (reassignment["detail"]["from"], reassignment["detail"]["to"]) == (LAN.id, MINH.id)
    assert datetime.fromisoformat(reassignment["detail"]["claim_expires_at"]) == datetime.fromisoformat(
        view["claim_expires_at"]
    )
    assert [h["action"] for h in history] == ["assigned", "claimed", "reassigned", "supplements-requested"]


async def test_an_expired_claim_counts_as_unclaimed(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers, tmp_path: Path
) -> None:
    # A second instance whose claims last 2 s: the expiry is fixed when the claim is taken,
    # so the stack's own instance then sees the claim expire too.
    brief = ServiceStack(
        tmp_path,
        env={**stack.env, "LIENTHONG_CLAIM_EXPIRY_SECONDS": "2"},
        ports={"department": free_port()},
        service_env=stack.service_env,
    )
    brief.start(["department"])
    try:
        brief.wait_ready(["department"])
        task = await _fresh_task(http, stack, standins)
        claimed = await _act(http, brief.url("department"), task, "claim", LAN)
        assert claimed.status_code == 200, claimed.text
        view = claimed.json()
        expires_at = datetime.fromisoformat(view["claim_expires_at"])
        assert expires_at - datetime.fromisoformat(view["claimed_at"]) == timedelta(seconds=2)

        held = await _act(http, stack.url("department"), view, "claim", MINH)
        assert (held.status_code, _problem_field(held)) == (409, "claimed_by")
        await asyncio.sleep(max(0.0, (expires_at - datetime.now(UTC)).total_seconds()) + 0.5)
        shown = (await _detail(http, stack, task))["task"]
        assert (shown["claimed_by"], shown["claim_expires_at"]) == (LAN.id, view["claim_expires_at"])
        taken = await _act(http, stack.url("department"), view, "claim", MINH)
    finally:
        brief.stop(["department"])

    assert taken.status_code == 200, taken.text
    assert taken.json()["claimed_by"] == MINH.id
    last = (await _detail(http, stack, task))["history"][-1]
    assert (last["action"], last["actor"], last["detail"]["expired_claim_of"]) == ("claimed", MINH.id, LAN.id)
    not_lans = await _act(http, stack.url("department"), taken.json(), "release", LAN)
    assert (not_lans.status_code, _problem_field(not_lans)) == (409, "claimed_by")
