"""``make demo``'s identity gate: a failed identity blocks the final approval until the receiver decides.

A birth registration is filed at Quỳnh Lưu's centre for an applicant the population-database
stand-in knows under another name: the check fails, the dossier goes its way, but the commune's
approval (its last stage) answers 409 naming ``identity``. The centre's receiver (``receiver.h40``
of the stand-in identity provider) confirms the applicant's papers at intake; the department hears
it through routing, and the same approval then has the unit issue the signed result (releasing).
"""

import sys
import time
from typing import Any

import demo_onestop
import httpx

CENTRE, UNIT = "000.01.15.H40", "17179.VP"
RECEIVER = "receiver.h40"
MISMATCHED_BIRTH = {
    "procedure_code": "1.001193",
    "applicant": {"citizen_id": "040301000123", "full_name": "Hồ Thị Hoa Mai", "date_of_birth": "2001-05-14"},
    "receiving_agency": CENTRE,
    "commune_code": "17179",
}
CONFIRMATION = {"decision": "confirmed", "evidence": {"kind": "citizen_id_card", "number_last4": "0123"}}


def show_identity_gate(demo: Any, intake: str, department: str, token_url: str) -> str:
    """Run the identity gate's story with the demo's clients and clerks; the dossier's code."""
    http: httpx.Client = demo.http
    print("\n== The identity gate: the population database does not match the applicant's name")
    dossier = demo_onestop.with_papers(http, intake, MISMATCHED_BIRTH, demo.portal())
    accepted = http.post(f"{intake}/v1/dossiers", json=dossier, headers=demo.portal())
    if accepted.status_code != 202:
        sys.exit(f"demo: intake refused the dossier: {accepted.status_code} {accepted.text}")
    code, identity = accepted.json()["code"], accepted.json()["identity"]
    print(f"   intake     received {code}; identity {identity['status']} ({identity['detail']})")
    task = demo.task(UNIT, code)
    shown = _task(http, department, task["id"], demo.clerk(UNIT))
    final, blocks = shown["final_stage"], shown["identity_blocks_approval"]
    print(f"   {UNIT:<10} task: final_stage {final}, identity {shown['identity_status']}, blocks approval {blocks}")
    headers = {**demo.clerk(UNIT), "If-Match": f'"{shown["version"]}"'}
    blocked = http.post(f"{department}/v1/tasks/{task['id']}/approve", headers=headers)
    if blocked.status_code != 409:
        sys.exit(f"demo: the last stage was not held back: {blocked.status_code} {blocked.text}")
    reason = blocked.json()["errors"][0]
    print(f"   {UNIT:<10} approve → 409, {reason['field']}: {reason['reason']}")
    decided = http.post(
        f"{intake}/v1/dossiers/{code}/identity-decision",
        json=CONFIRMATION,
        headers=_receiver(http, demo.tokens.identities, token_url),
    )
    if decided.status_code != 200:
        sys.exit(f"demo: the receiver's decision failed: {decided.status_code} {decided.text}")
    print(f"   {CENTRE} receiver {RECEIVER}: {decided.json()['history'][-1]['note']}")
    confirmed = _confirmed(http, department, task["id"], demo.clerk(UNIT))
    demo.act(confirmed, "approve")
    final = demo.dossier(code, "releasing")
    print(
        f"   intake     {code} is {final['status']}: its result issued by {final['result']['issued_by']}"
        f" (identity {final['identity']['decision']} by the receiver)"
    )
    return str(code)


def _task(http: httpx.Client, department: str, task_id: str, headers: dict[str, str]) -> dict[str, Any]:
    answer = http.get(f"{department}/v1/tasks/{task_id}", headers=headers)
    if answer.status_code != 200:
        sys.exit(f"demo: the task detail answered {answer.status_code} {answer.text}")
    task: dict[str, Any] = answer.json()["task"]
    return task


def _confirmed(http: httpx.Client, department: str, task_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """The task once the department has heard of the confirmation (through routing)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        task = _task(http, department, task_id, headers)
        if task["identity_decision"] == "confirmed":
            return task
        time.sleep(0.2)
    sys.exit("demo: the department never heard of the receiver's confirmation")


def _receiver(http: httpx.Client, identities: Any, token_url: str) -> dict[str, str]:
    """``Authorization`` for the centre's receiver, signed in with a password at the stand-in identity provider."""
    clerk = next(c for c in identities.clerks if c.username == RECEIVER)
    form = {"grant_type": "password", "username": clerk.username, "password": clerk.password}
    answer = http.post(token_url, data=form)
    if answer.status_code != 200:
        sys.exit(f"demo: the identity provider refused {RECEIVER}: {answer.status_code} {answer.text}")
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}
