"""The identity gate end to end: an applicant the population-database stand-in does not match blocks the
dossier's final approval until a receiver of its centre decides, at intake, through routing to the department."""

import copy
from typing import Any

import httpx
from stack import ServiceStack
from standins.process import StandinServers

from tests.support import clerks
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, act, dossier_status, open_task, submit
from tests.support.waiting import eventually

CENTRE = "000.01.15.H40"
UNIT = "17179.VP"
CONFIRMATION = {"decision": "confirmed", "evidence": {"kind": "citizen_id_card", "number_last4": "0123"}}


def _mismatched() -> dict[str, Any]:
    """A birth registration whose applicant's name the stand-in knows otherwise: the check fails."""
    dossier = copy.deepcopy(BIRTH_IN_QUYNH_LUU)
    dossier["applicant"]["full_name"] = "Hồ Thị Hoa Mai"
    return dossier


async def _failed_dossier(http: httpx.AsyncClient, stack: ServiceStack) -> tuple[str, dict[str, Any]]:
    accepted = await submit(http, stack.url("intake"), _mismatched())
    assert accepted["identity"]["status"] == "failed"
    return accepted["code"], await open_task(http, stack.url("department"), UNIT, accepted["code"])


async def _task(http: httpx.AsyncClient, department: str, task_id: str) -> dict[str, Any]:
    response = await http.get(f"{department}/v1/tasks/{task_id}", headers=clerks.headers(UNIT))
    assert response.status_code == 200, response.text
    task: dict[str, Any] = response.json()["task"]
    return task


async def _decide(
    http: httpx.AsyncClient, intake: str, code: str, body: dict[str, Any], headers: dict[str, str]
) -> httpx.Response:
    return await http.post(f"{intake}/v1/dossiers/{code}/identity-decision", json=body, headers=headers)


async def test_a_failed_identity_blocks_the_final_approval_until_the_receiver_confirms(
    http: httpx.AsyncClient, stack: ServiceStack, fresh_standins: StandinServers
) -> None:
    intake, department = stack.url("intake"), stack.url("department")
    code, task = await _failed_dossier(http, stack)

    shown = await _task(http, department, task["id"])
    assert (shown["final_stage"], shown["identity_status"], shown["identity_decision"]) == (True, "failed", None)
    assert shown["identity_blocks_approval"] is True
    blocked = await http.post(
        f"{department}/v1/tasks/{task['id']}/approve", headers=clerks.headers(UNIT, version=shown["version"])
    )
    assert blocked.status_code == 409, blocked.text
    assert blocked.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in blocked.json()["errors"]] == ["identity"]
    assert "failed" in blocked.json()["errors"][0]["reason"]

    decided = await _decide(http, intake, code, CONFIRMATION, clerks.headers(CENTRE, "receiver"))

    assert decided.status_code == 200, decided.text
    assert decided.json()["identity"]["decision"] == "confirmed"
    note = "identity confirmed by the receiving clerk (citizen identity card seen)"
    assert decided.json()["history"][-1]["note"] == note

    async def confirmed() -> dict[str, Any] | None:
        current = await _task(http, department, task["id"])
        return current if current["identity_decision"] == "confirmed" else None

    unblocked = await eventually(confirmed, what=f"the department to hear that {code}'s identity is confirmed")
    assert unblocked["identity_blocks_approval"] is False
    await act(http, department, unblocked, "approve")
    await dossier_status(http, intake, code, "releasing")
    again = await _decide(http, intake, code, CONFIRMATION, clerks.headers(CENTRE, "receiver"))
    assert again.status_code == 409, again.text


async def test_a_refused_identity_refuses_the_dossier_and_cancels_its_task(
    http: httpx.AsyncClient, stack: ServiceStack, fresh_standins: StandinServers
) -> None:
    intake, department = stack.url("intake"), stack.url("department")
    code, _ = await _failed_dossier(http, stack)
    reason = "Người nộp không xuất trình được giấy tờ tùy thân"

    decided = await _decide(
        http, intake, code, {"decision": "refused", "reason": reason}, clerks.headers(CENTRE, "receiver")
    )

    assert decided.status_code == 200, decided.text
    denied = await dossier_status(http, intake, code, "denied")
    assert denied["identity"]["decision"] == "refused"
    await open_task(http, department, UNIT, code, status="cancelled")


async def test_only_a_receiver_of_the_dossiers_centre_decides(
    http: httpx.AsyncClient, anonymous: httpx.AsyncClient, stack: ServiceStack, fresh_standins: StandinServers
) -> None:
    intake = stack.url("intake")
    code, _ = await _failed_dossier(http, stack)
    incomplete = {"decision": "confirmed"}

    other_centre = await _decide(http, intake, code, CONFIRMATION, clerks.headers("000.07.15.H91", "receiver"))
    handler = await _decide(http, intake, code, CONFIRMATION, clerks.headers(CENTRE, "handler", "approver"))
    integrator = await _decide(http, intake, code, CONFIRMATION, clerks.harness_headers())
    nobody = await anonymous.post(f"{intake}/v1/dossiers/{code}/identity-decision", json=CONFIRMATION)
    without_evidence = await _decide(http, intake, code, incomplete, clerks.headers(CENTRE, "receiver"))

    assert other_centre.status_code == 404, other_centre.text
    assert (handler.status_code, handler.json()["errors"][0]["field"]) == (403, "roles")
    assert integrator.status_code == 403, integrator.text
    assert nobody.status_code == 401, nobody.text
    assert (without_evidence.status_code, without_evidence.json()["errors"][0]["field"]) == (422, "evidence")
    identity = (await http.get(f"{intake}/v1/dossiers/{code}")).json()["identity"]
    assert (identity["status"], identity["decision"]) == ("failed", None)
