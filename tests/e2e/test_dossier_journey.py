"""A dossier's whole journey through the four running services, the real broker and database."""

import re
from datetime import datetime

import httpx
from stack import ServiceStack
from standins.process import StandinServers

from shared.reference.calendar import default_calendar, due_at
from shared.reference.data import catalogue
from tests.support import clerks
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, LAND_IN_RACH_GIA, act, final_dossier, ledger, open_task, submit
from tests.support.journey import hand_over, received


async def test_an_approved_dossier_is_done_once_its_result_is_handed_over_with_each_change_in_the_ledger(
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

    ready = await final_dossier(http, stack.url("intake"), code, "releasing")
    assert (ready["portal_status_code"], ready["result"]["issued_by"]) == (9, "17179.VP")
    dossier = await hand_over(http, stack.url("intake"), code)
    assert dossier["portal_status_code"] == 10
    assert datetime.fromisoformat(dossier["due_at"]) == expected_due
    centre = BIRTH_IN_QUYNH_LUU["receiving_agency"]
    history = dossier["history"]
    assert [(h["status"], h["unit"]) for h in history] == [
        ("receiving", centre),
        ("processing", "17179.VP"),
        ("releasing", centre),
        ("done", centre),
    ], history
    assert history[3]["note"] == "result handed over at the receiving centre"
    times = [datetime.fromisoformat(h["at"]) for h in history]
    assert times == sorted(times), history
    statuses = ["receiving", "processing", "releasing", "done"]
    entries = await ledger(http, stack.url("notification"), code, 4)
    assert [e["status"] for e in entries] == statuses
    assert code in entries[-1]["message"]
    assert "đã trả kết quả" in entries[-1]["message"]


async def test_refused_dossier_is_denied_with_a_signed_letter_and_the_applicant_is_told_why(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    code = (await received(http, stack.url("intake"), standins, LAND_IN_RACH_GIA))["code"]

    task = await open_task(http, stack.url("department"), "30742.KT", code)
    await act(http, stack.url("department"), task, "refuse", {"reason": "Thửa đất đang có tranh chấp"})

    dossier = await final_dossier(http, stack.url("intake"), code, "denied")
    assert dossier["handling_unit"] == "30742.KT"
    assert (dossier["result"]["kind"], dossier["result"]["issued_by"]) == ("refusal", "30742.KT")
    entries = await ledger(http, stack.url("notification"), code, 4)
    assert [e["status"] for e in entries] == ["new", "receiving", "processing", "denied"]
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
