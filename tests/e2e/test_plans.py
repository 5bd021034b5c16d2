"""Multi-stage plans through the four running services, the real broker and database."""

import asyncio
from datetime import date, datetime
from typing import Any

import httpx
from stack import ServiceStack
from standins.process import StandinServers

from services.routing.handlers import deadlines
from tests.support import clerks
from tests.support.dossiers import (
    BIRTH_GROUP_IN_QUYNH_LUU,
    LAND_IN_QUYNH_LUU,
    LAND_IN_RACH_GIA,
    act,
    dossier_plan,
    dossier_status,
    ledger,
    open_task,
    unit_tasks,
)
from tests.support.journey import hand_in_supplements, hand_over, received
from tests.support.waiting import eventually


def _tasks(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The plan's live task per key (a returned task is replaced by a later one)."""
    return {t["key"]: t for stage in plan["stages"] for t in stage["tasks"] if t["state"] != "returned"}


async def _act(
    http: httpx.AsyncClient, stack: ServiceStack, task: dict[str, Any], action: str, body: dict[str, Any]
) -> dict[str, Any]:
    return await act(http, stack.url("department"), task, action, body)


async def _approve(http: httpx.AsyncClient, stack: ServiceStack, task: dict[str, Any]) -> dict[str, Any]:
    return await act(http, stack.url("department"), task, "approve")


async def test_birth_group_runs_birth_first_then_residence_and_card_in_parallel(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    code = (await received(http, stack.url("intake"), standins, BIRTH_GROUP_IN_QUYNH_LUU))["code"]
    birth = await open_task(http, stack.url("department"), "17179.VP", code)

    plan = await dossier_plan(http, stack.url("routing"), code)
    assert [s["state"] for s in plan["stages"]] == ["current", "pending"]
    units = {key: t["routing"]["unit_code"] for key, t in _tasks(plan).items()}
    assert units == {
        "register-birth": "17179.VP",
        "register-residence": "17179.CA",
        "issue-health-insurance": "40.BHXH",
    }
    assert await unit_tasks(http, stack.url("department"), "17179.CA", code) == []
    assert await unit_tasks(http, stack.url("department"), "40.BHXH", code) == []

    await _approve(http, stack, birth)
    residence, card = await asyncio.gather(
        open_task(http, stack.url("department"), "17179.CA", code),
        open_task(http, stack.url("department"), "40.BHXH", code),
    )
    # both are open at once, assigned together when stage 1 finished
    assert residence["assigned_at"] == card["assigned_at"]
    assert datetime.fromisoformat(residence["assigned_at"]) >= datetime.fromisoformat(
        _tasks(await dossier_plan(http, stack.url("routing"), code))["register-birth"]["finished_at"]
    )
    await asyncio.gather(_approve(http, stack, residence), _approve(http, stack, card))

    dossier = await hand_over(http, stack.url("intake"), code)
    assert dossier["portal_status_code"] == 10
    plan = await dossier_plan(http, stack.url("routing"), code)
    assert {t["state"] for t in _tasks(plan).values()} == {"approved"}
    assert [s["state"] for s in plan["stages"]] == ["finished", "finished"]
    assert plan["catalogue_version"]
    assert plan["rules_version"]
    assert [a["action"] for a in plan["audit"]] == ["routed"] * 3 + [
        "result-requested",
        "result-issued",
        "result-returned",
    ]


async def test_land_filed_at_a_commune_centre_goes_to_the_provinces_agriculture_and_environment_department(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    at_commune = (await received(http, stack.url("intake"), standins, LAND_IN_QUYNH_LUU))["code"]
    at_the_province = {**LAND_IN_QUYNH_LUU, "receiving_agency": "000.00.15.H40"}
    at_province = (await received(http, stack.url("intake"), standins, at_the_province))["code"]

    confirm = await open_task(http, stack.url("department"), "17179.KT", at_commune)
    await _approve(http, stack, confirm)
    register = await open_task(http, stack.url("department"), "40.SNNMT", at_commune)
    assert register["task_key"] == "register-land"
    await _approve(http, stack, register)
    certificate = await open_task(http, stack.url("department"), "17179.KT", at_commune)
    assert certificate["task_key"] == "issue-land-certificate"
    await _approve(http, stack, certificate)
    await dossier_status(http, stack.url("intake"), at_commune, "releasing")

    plans = [await dossier_plan(http, stack.url("routing"), code) for code in (at_commune, at_province)]
    routed = [{k: t["routing"]["unit_code"] for k, t in _tasks(p).items()} for p in plans]
    expected = {"confirm-land-use": "17179.KT", "register-land": "40.SNNMT", "issue-land-certificate": "17179.KT"}
    assert routed[0] == routed[1] == expected
    assert _tasks(plans[0])["register-land"]["routing"]["rule"] is None


async def test_a_provincial_delegation_rule_moves_the_task_and_the_plan_names_it(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    code = (await received(http, stack.url("intake"), standins, LAND_IN_RACH_GIA))["code"]
    confirm = await open_task(http, stack.url("department"), "30742.KT", code)
    await _approve(http, stack, confirm)

    register = await open_task(http, stack.url("department"), "30742.KT", code)
    assert register["task_key"] == "register-land"
    routing = _tasks(await dossier_plan(http, stack.url("routing"), code))["register-land"]["routing"]
    assert routing["rule"] == "91-land-registration-to-commune"
    assert "delegation rule" in routing["explanation"]


async def test_a_refusal_in_stage_one_stops_stage_two(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    code = (await received(http, stack.url("intake"), standins, BIRTH_GROUP_IN_QUYNH_LUU))["code"]
    birth = await open_task(http, stack.url("department"), "17179.VP", code)

    reason = "Giấy chứng sinh không hợp lệ"
    await _act(http, stack, birth, "refuse", {"reason": reason})

    dossier = await dossier_status(http, stack.url("intake"), code, "denied")
    assert dossier["portal_status_code"] == 8
    plan = await dossier_plan(http, stack.url("routing"), code)
    tasks = _tasks(plan)
    assert tasks["register-birth"]["state"] == "refused"
    for key in ("register-residence", "issue-health-insurance"):
        assert tasks[key]["state"] == "cancelled"
        assert tasks[key]["assigned_at"] is None, f"{key} was never given to a unit"
    entries = await ledger(http, stack.url("notification"), code, 4)
    assert [e["status"] for e in entries] == ["new", "receiving", "processing", "denied"]
    assert reason in entries[-1]["message"]
    assert await unit_tasks(http, stack.url("department"), "17179.CA", code) == []
    assert await unit_tasks(http, stack.url("department"), "40.BHXH", code) == []


async def test_a_supplement_request_stops_the_clock_and_the_supplement_resumes_the_same_task(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    code = (await received(http, stack.url("intake"), standins, LAND_IN_QUYNH_LUU))["code"]
    confirm = await open_task(http, stack.url("department"), "17179.KT", code)
    before = await dossier_plan(http, stack.url("routing"), code)

    missing = ["Bản sao sổ hộ khẩu", "Sơ đồ thửa đất"]
    await _act(http, stack, confirm, "supplement-request", {"missing": missing})
    waiting = await dossier_status(http, stack.url("intake"), code, "waiting")
    assert waiting["portal_status_code"] == 5
    assert waiting["missing"] == missing
    paused = await dossier_plan(http, stack.url("routing"), code)
    assert paused["clock_paused_since"] is not None
    await open_task(http, stack.url("department"), "17179.KT", code, status="waiting")

    response = await hand_in_supplements(http, stack.url("intake"), code, missing, "nộp bổ sung")
    assert response.status_code == 202, response.text

    resumed = await open_task(http, stack.url("department"), "17179.KT", code)
    assert resumed["id"] == confirm["id"], "the same task continues"
    await dossier_status(http, stack.url("intake"), code, "processing")
    after = await dossier_plan(http, stack.url("routing"), code)
    assert after["clock_paused_since"] is None
    supplemented = next(a for a in after["audit"] if a["action"] == "supplemented")
    days = deadlines().paused_days(
        datetime.fromisoformat(paused["clock_paused_since"]), datetime.fromisoformat(supplemented["at"])
    )
    old_due = datetime.fromisoformat(before["due_at"])
    assert datetime.fromisoformat(after["due_at"]) == deadlines().extend(old_due, days)
    old_task_due = datetime.fromisoformat(_tasks(before)["confirm-land-use"]["due_at"])
    assert datetime.fromisoformat(resumed["due_at"]) == deadlines().extend(old_task_due, days)
    entries = await ledger(http, stack.url("notification"), code, 5)
    assert [e["status"] for e in entries] == ["new", "receiving", "processing", "waiting", "processing"]


async def test_a_task_returned_as_not_competent_is_re_routed_with_an_audit_entry(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    code = (await received(http, stack.url("intake"), standins, LAND_IN_RACH_GIA))["code"]
    await _approve(http, stack, await open_task(http, stack.url("department"), "30742.KT", code))
    delegated = await open_task(http, stack.url("department"), "30742.KT", code)

    reason = "Đất của tổ chức, thuộc thẩm quyền của Sở"
    await _act(http, stack, delegated, "return", {"reason": reason})

    rerouted = await open_task(http, stack.url("department"), "91.SNNMT", code)
    assert rerouted["task_key"] == "register-land"
    plan = await dossier_plan(http, stack.url("routing"), code)
    audit = [a for a in plan["audit"] if a["action"] == "re-routed"]
    assert [(a["from_unit"], a["to_unit"]) for a in audit] == [("30742.KT", "91.SNNMT")]
    assert reason in audit[0]["detail"]
    await _approve(http, stack, rerouted)
    await _approve(http, stack, await open_task(http, stack.url("department"), "30742.KT", code))
    await dossier_status(http, stack.url("intake"), code, "releasing")


async def test_withdrawal_cancels_the_open_tasks(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    code = (await received(http, stack.url("intake"), standins, BIRTH_GROUP_IN_QUYNH_LUU))["code"]
    await _approve(http, stack, await open_task(http, stack.url("department"), "17179.VP", code))
    await open_task(http, stack.url("department"), "40.BHXH", code)

    response = await http.post(
        f"{stack.url('intake')}/v1/dossiers/{code}/withdrawal", json={"reason": "Gia đình nộp lại hồ sơ khác"}
    )
    assert response.status_code == 202, response.text

    await dossier_status(http, stack.url("intake"), code, "cancelled")
    for unit in ("17179.CA", "40.BHXH"):
        await open_task(http, stack.url("department"), unit, code, status="cancelled")

    async def refused_again() -> bool:
        again = await http.post(f"{stack.url('intake')}/v1/dossiers/{code}/withdrawal", json={"reason": "again"})
        return again.status_code == 409

    assert await eventually(refused_again, what="a second withdrawal to be refused")


async def test_an_extension_with_apology_moves_the_task_and_dossier_due_dates_and_tells_the_applicant(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    code = (await received(http, stack.url("intake"), standins, LAND_IN_QUYNH_LUU))["code"]
    task = await open_task(http, stack.url("department"), "17179.KT", code)
    before = await dossier_plan(http, stack.url("routing"), code)
    task_due = datetime.fromisoformat(task["due_at"])
    new_day = deadlines().calendar.add_working_days(task_due.astimezone(deadlines().zone).date(), 2)
    holiday = date(2027, 1, 1)

    refused = await http.post(
        f"{stack.url('department')}/v1/tasks/{task['id']}/extension",
        json={"new_due_date": holiday.isoformat(), "reason": "x"},
        headers=clerks.headers("17179.KT", version=task["version"]),
    )
    assert refused.status_code == 422
    assert "not a working day" in refused.text

    reason = "Cần xác minh nguồn gốc đất"
    body = {"new_due_date": new_day.isoformat(), "reason": reason}
    extended = await _act(http, stack, task, "extension", body)
    assert datetime.fromisoformat(extended["due_at"]).astimezone(deadlines().zone).date() == new_day

    old_due = datetime.fromisoformat(before["due_at"])
    expected_due = deadlines().extend(old_due, 2)

    async def moved() -> dict[str, Any] | None:
        body: dict[str, Any] = (await http.get(f"{stack.url('intake')}/v1/dossiers/{code}")).json()
        return body if datetime.fromisoformat(body["due_at"]) == expected_due else None

    await eventually(moved, what=f"{code}'s due date to move to {expected_due}")
    plan = await dossier_plan(http, stack.url("routing"), code)
    assert datetime.fromisoformat(_tasks(plan)["confirm-land-use"]["due_at"]) == datetime.fromisoformat(
        extended["due_at"]
    )
    assert any(a["action"] == "extended" and reason in a["detail"] for a in plan["audit"])
    entries = await ledger(http, stack.url("notification"), code, 4)
    assert reason in entries[-1]["message"]
    assert f"{expected_due.astimezone(deadlines().zone):%d/%m/%Y}" in entries[-1]["message"]
