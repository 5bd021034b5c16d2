"""A dossier's whole journey through the four running services, the real broker and database."""

import re
from datetime import datetime

import httpx
from stack import ServiceStack

from shared.reference.calendar import default_calendar, due_at
from shared.reference.data import catalogue
from tests.support import clerks
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, LAND_IN_RACH_GIA, act, final_dossier, ledger, open_task, submit


async def test_approved_dossier_reaches_the_unit_and_ends_done_with_each_change_in_the_ledger(
    http: httpx.AsyncClient, stack: ServiceStack
) -> None:
    accepted = await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU)
    code = accepted["code"]
    assert re.fullmatch(r"000\.01\.15\.H40-\d{6}-\d{4}", code)
    received_at = datetime.fromisoformat(accepted["received_at"])
    birth = catalogue().find("1.001193")
    assert birth is not None
    expected_due = due_at(default_calendar(), received_at, birth.working_days, cutoff=birth.cutoff)
    assert datetime.fromisoformat(accepted["due_at"]) == expected_due

    task = await open_task(http, stack.url("department"), "17179.VP", code)
    approved = await act(http, stack.url("department"), task, "approve")
    assert approved["status"] == "approved"

    dossier = await final_dossier(http, stack.url("intake"), code, "done")
    assert dossier["portal_status_code"] == 10
    assert datetime.fromisoformat(dossier["due_at"]) == expected_due
    assert [h["status"] for h in dossier["history"]] == ["receiving", "processing", "done"], dossier["history"]
    entries = await ledger(http, stack.url("notification"), code, 3)
    assert [e["status"] for e in entries] == ["receiving", "processing", "done"]
    assert code in entries[-1]["message"]
    assert "đã hoàn thành" in entries[-1]["message"]


async def test_refused_dossier_is_denied_and_the_applicant_is_told_why(
    http: httpx.AsyncClient, stack: ServiceStack
) -> None:
    code = (await submit(http, stack.url("intake"), LAND_IN_RACH_GIA))["code"]

    task = await open_task(http, stack.url("department"), "30742.KT", code)
    await act(http, stack.url("department"), task, "refuse", {"reason": "Thửa đất đang có tranh chấp"})

    dossier = await final_dossier(http, stack.url("intake"), code, "denied")
    assert dossier["handling_unit"] == "30742.KT"
    entries = await ledger(http, stack.url("notification"), code, 3)
    assert entries[-1]["status"] == "denied"
    assert "Thửa đất đang có tranh chấp" in entries[-1]["message"]


async def test_a_refusal_without_reason_and_a_second_decision_are_rejected(
    http: httpx.AsyncClient, stack: ServiceStack
) -> None:
    code = (await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU))["code"]
    task = await open_task(http, stack.url("department"), "17179.VP", code)
    tasks = f"{stack.url('department')}/v1/tasks/{task['id']}"
    as_approver = clerks.headers("17179.VP", "approver", version=task["version"])

    no_reason = await http.post(f"{tasks}/refuse", json={"reason": " "}, headers=as_approver)
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "reason"

    approved = await http.post(f"{tasks}/approve", headers=as_approver)
    assert approved.status_code == 200, approved.text
    current = clerks.headers("17179.VP", "approver", version=approved.json()["version"])
    again = await http.post(f"{tasks}/refuse", json={"reason": "late"}, headers=current)
    assert again.status_code == 409
    assert "already approved" in again.text
