"""``make demo``'s closure: one commune's offices closed by a decision move its open deadlines, then reopen.

A birth registration is filed in each of two communes of Nghệ An; the operator declares a week's
closure of the first (``lienthong closures declare``, force majeure, with the decision's number,
date and issuer). Routing counts the commune's open due dates again
past the closed working days (the plan, the department's task and intake's appointment follow;
the applicant is told once); the other's stay. Ending the closure before its first day
(``lienthong closures end``) gives the first dates back.
"""

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import demo_onestop
import httpx

from shared.reference.admin_units import commune_codes, find_commune
from shared.reference.centres import centres

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
CLOSED, NEIGHBOUR = commune_codes("40")[-2], commune_codes("40")[-3]
BIRTH = {
    "procedure_code": "1.001193",
    "applicant": {"citizen_id": "040301000123", "full_name": "Hồ Thị Lan", "date_of_birth": "2001-05-14"},
}
Dues = tuple[str, str, str]
"""The task's due time and the dossier's in routing's plan, and intake's appointment."""


def lienthong(cli_env: Mapping[str, str], *args: str) -> Any:
    """Run the operator CLI with ``--json``; its answer (the demo stops on a failure)."""
    run = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "operations", *args, "--json"],
        env={**os.environ, **cli_env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if run.returncode != 0:
        sys.exit(f"demo: lienthong {' '.join(args[:2])} failed: {run.stderr.strip()}")
    return json.loads(run.stdout)


def show_closure(
    http: httpx.Client, portal: Callable[[], dict[str, str]], urls: Mapping[str, str], cli_env: Mapping[str, str]
) -> None:
    """File a birth in two communes, close one for a week, show the due dates move and come back."""
    print(f"\n== A closure (force majeure) of {_name(CLOSED)} moves its open deadlines; {_name(NEIGHBOUR)}'s stay")
    codes = {commune: _file(http, portal, urls["intake"], commune) for commune in (CLOSED, NEIGHBOUR)}
    before = _settled(http, portal, urls, codes, lambda _commune, _dues: True)
    _print("before", codes, before)
    today = datetime.now(ZONE).date()
    last = today + timedelta(days=6)
    args = ["--province", "40", "--commune", CLOSED, "--from", today.isoformat(), "--to", last.isoformat()]
    decision = ["--decision", "88/QĐ-UBND", "--decision-date", today.isoformat(), "--issuer", "UBND tỉnh Nghệ An"]
    declared = lienthong(cli_env, "closures", "declare", *args, "--reason", "lũ lụt", *decision)
    print(f"   lienthong closures declare {' '.join(args)} --reason 'lũ lụt' {decision[0]} {decision[1]} …")
    print(f"   closure {declared['id']}: {declared['dossiers_concerned']} open dossier(s) concerned")
    after = _settled(http, portal, urls, codes, _moved_only_in_the_closed_commune(before))
    _print("closed", codes, after)
    lienthong(cli_env, "closures", "end", declared["id"], "--reopened-on", today.isoformat())
    print(f"   lienthong closures end {declared['id']} --reopened-on {today.isoformat()}  (before its first day)")
    back = _settled(http, portal, urls, codes, lambda c, dues: dues == before[c])
    _print("reopened", codes, back)


def _moved_only_in_the_closed_commune(before: Mapping[str, Dues]) -> Callable[[str, Dues], bool]:
    """Every due date of the closed commune's dossier moved (routing, the department, intake); none of the other."""
    return lambda c, dues: (
        all(a != b for a, b in zip(dues, before[c], strict=True)) if c == CLOSED else dues == before[c]
    )


def _name(commune: str) -> str:
    found = find_commune(commune)
    return f"{found.name} ({commune})" if found else commune


def _file(http: httpx.Client, portal: Callable[[], dict[str, str]], intake: str, commune: str) -> str:
    centre = centres().of_place(commune)
    if centre is None:
        sys.exit(f"demo: no centre receives for commune {commune}")
    dossier = {**BIRTH, "commune_code": commune, "receiving_agency": centre.agency_id}
    with_papers = demo_onestop.with_papers(http, intake, dossier, portal())
    accepted = http.post(f"{intake}/v1/dossiers", json=with_papers, headers=portal())
    if accepted.status_code != 202:
        sys.exit(f"demo: intake refused the dossier: {accepted.status_code} {accepted.text}")
    return str(accepted.json()["code"])


def _dues(http: httpx.Client, portal: Callable[[], dict[str, str]], urls: Mapping[str, str], code: str) -> Dues | None:
    plan = http.get(f"{urls['routing']}/v1/dossiers/{code}/plan", headers=portal())
    intake = http.get(f"{urls['intake']}/v1/dossiers/{code}", headers=portal())
    if plan.status_code != 200 or intake.status_code != 200:
        return None
    tasks = [t["due_at"] for stage in plan.json()["stages"] for t in stage["tasks"] if t["due_at"]]
    return (tasks[0], plan.json()["due_at"], intake.json()["due_at"]) if tasks else None


def _settled(
    http: httpx.Client,
    portal: Callable[[], dict[str, str]],
    urls: Mapping[str, str],
    codes: Mapping[str, str],
    wanted: Callable[[str, Dues], bool],
    timeout: float = 40.0,
) -> dict[str, Dues]:
    """Every commune's due dates once each is there and ``wanted``."""
    deadline = time.monotonic() + timeout
    while True:
        found = {commune: _dues(http, portal, urls, code) for commune, code in codes.items()}
        settled = {c: d for c, d in found.items() if d is not None and wanted(c, d)}
        if len(settled) == len(codes):
            return settled
        if time.monotonic() > deadline:
            sys.exit("demo: gave up waiting for the due dates")
        time.sleep(0.3)


def _print(when: str, codes: Mapping[str, str], dues: Mapping[str, Dues]) -> None:
    for commune, code in codes.items():
        task, dossier, appointment = (
            f"{datetime.fromisoformat(d).astimezone(ZONE):%a %d/%m %H:%M}" for d in dues[commune]
        )
        print(f"   {when:<8} {code:<28} task due {task}, dossier due {dossier}, intake's appointment {appointment}")
