"""Closures (force majeure) through the running stack: one commune's open deadlines move, its neighbour's do not.

The operator declares a closure of one commune of Nghệ An with ``lienthong closures declare``; routing's plan,
the department's task, intake's appointment move past the closed days, the applicant is told the new
appointment once and the commune office's public board names the closure. A dossier of the next commune keeps
every due date. Ending the closure before its first day (``lienthong closures end``) moves them all back; a
supervisor of another province cannot touch it.
"""

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from stack import REPO, ServiceStack
from standins.process import StandinServers

from shared.reference.admin_units import commune_codes
from shared.reference.centres import centres
from tests.support import clerks
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, dossier_plan, ledger, open_task, submit
from tests.support.waiting import eventually

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
CLOSED, NEIGHBOUR = commune_codes("40")[-2], commune_codes("40")[-3]
"""Two communes of Nghệ An no other test files in (the matrix's closure is on the last one)."""


@pytest.fixture
def operator_env(stack: ServiceStack, standins: StandinServers) -> dict[str, str]:
    """The CLI's environment: where each service answers and where it fetches the operator's token."""
    return {
        **{f"LIENTHONG_{name.upper()}_URL": stack.url(name) for name in stack.ports},
        **standins.operator_env(),
    }


def lienthong(env: dict[str, str], *args: str) -> Any:
    """Run the CLI with ``--json``; its answer."""
    result = subprocess.run(
        [sys.executable, "-m", "operations", *args, "--json"],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


async def file_birth(http: httpx.AsyncClient, stack: ServiceStack, commune: str) -> str:
    centre = centres().of_place(commune)
    assert centre is not None, commune
    dossier = {**BIRTH_IN_QUYNH_LUU, "commune_code": commune, "receiving_agency": centre.agency_id}
    code: str = (await submit(http, stack.url("intake"), dossier))["code"]
    await open_task(http, stack.url("department"), f"{commune}.VP", code)
    await ledger(http, stack.url("notification"), code, 2)  # received, processing
    return code


async def due_dates(http: httpx.AsyncClient, stack: ServiceStack, code: str, commune: str) -> dict[str, datetime]:
    """The dossier's due dates as routing, the department and intake hold them."""
    plan = await dossier_plan(http, stack.url("routing"), code)
    unit = f"{commune}.VP"
    tasks = await http.get(
        f"{stack.url('department')}/v1/units/{unit}/tasks", params={"dossier": code}, headers=clerks.headers(unit)
    )
    assert tasks.status_code == 200, tasks.text
    [task] = tasks.json()["items"]
    intake = (await http.get(f"{stack.url('intake')}/v1/dossiers/{code}")).json()
    [planned] = [t for stage in plan["stages"] for t in stage["tasks"] if t["due_at"]]

    def at(text: str) -> datetime:
        return datetime.fromisoformat(text)

    return {
        "routing dossier": at(plan["due_at"]),
        "routing task": at(planned["due_at"]),
        "department task": at(task["due_at"]),
        "intake appointment": at(intake["due_at"]),
    }


async def settled(
    http: httpx.AsyncClient, stack: ServiceStack, code: str, commune: str, moved: bool, before: dict[str, datetime]
) -> dict[str, datetime]:
    """The due dates once every service holds them moved later (``moved``) or back as ``before``."""

    async def probe() -> dict[str, datetime] | None:
        now = await due_dates(http, stack, code, commune)
        done = all(now[k] > before[k] for k in now) if moved else now == before
        return now if done else None

    return await eventually(probe, timeout=60, what=f"the due dates of {code} {'moved' if moved else 'back'}")


async def messages(http: httpx.AsyncClient, stack: ServiceStack, code: str) -> list[dict[str, Any]]:
    answer = await http.get(f"{stack.url('notification')}/v1/dossiers/{code}/notifications")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


async def test_a_closure_of_one_commune_moves_its_open_deadlines_only_and_ending_it_moves_them_back(
    http: httpx.AsyncClient, stack: ServiceStack, operator_env: dict[str, str]
) -> None:
    closed_code, neighbour_code = await file_birth(http, stack, CLOSED), await file_birth(http, stack, NEIGHBOUR)
    before = await due_dates(http, stack, closed_code, CLOSED)
    neighbour_before = await due_dates(http, stack, neighbour_code, NEIGHBOUR)
    today = datetime.now(ZONE).date()
    declared = lienthong(
        operator_env,
        *("closures", "declare", "--province", "40", "--commune", CLOSED, "--reason", "lũ lụt"),
        *("--from", today.isoformat(), "--to", (today + timedelta(days=6)).isoformat()),
        *("--decision", "77/QĐ-UBND", "--decision-date", today.isoformat(), "--issuer", "UBND tỉnh Nghệ An"),
    )
    try:
        assert declared["dossiers_concerned"] >= 1
        moved = await settled(http, stack, closed_code, CLOSED, True, before)
        # A week closed from today: at least the five working days of it are skipped.
        assert all(moved[k].date() >= before[k].date() + timedelta(days=5) for k in moved), (before, moved)

        async def told() -> list[dict[str, Any]] | None:
            found = await messages(http, stack, closed_code)
            return found if len(found) >= 3 else None

        sent = await eventually(told, timeout=40, what=f"the applicant of {closed_code} told the new appointment")
        assert [m["status"] for m in sent] == ["receiving", "processing", "processing"], sent

        # The neighbour commune: nothing moved, nobody told.
        assert await due_dates(http, stack, neighbour_code, NEIGHBOUR) == neighbour_before
        assert len(await messages(http, stack, neighbour_code)) == 2

        other_province = clerks.headers("91.TTPVHCC", "supervisor")
        for action, body in (("end", {"reopened_on": today.isoformat()}), ("extension", {"last_day": "2099-01-01"})):
            refused = await http.post(
                f"{stack.url('routing')}/v1/closures/{declared['id']}/{action}", json=body, headers=other_province
            )
            assert refused.status_code == 404, refused.text
        listed = lienthong(operator_env, "closures", "list", "--province", "40")
        assert declared["id"] in [c["id"] for c in listed]
        assert len(await messages(http, stack, closed_code)) == 3, "told once"

        # The public board of the commune's office names the closure that moved its due dates.
        board = f"{stack.url('department')}/v1/units/{CLOSED}.VP/stats"
        moves = (await http.get(board)).json()["due_dates_moved"]
        assert [m["tasks"] for m in moves if "77/QĐ-UBND" in m["reason"]] == [1], moves
        assert "77/QĐ-UBND" in (await http.get(f"{board}.html")).text
        assert (await http.get(f"{stack.url('department')}/v1/units/{NEIGHBOUR}.VP/stats")).json()[
            "due_dates_moved"
        ] == []
    finally:
        ended = lienthong(operator_env, "closures", "end", declared["id"], "--reopened-on", today.isoformat())
    assert date.fromisoformat(ended["last_day"]) < date.fromisoformat(ended["first_day"])
    assert await settled(http, stack, closed_code, CLOSED, False, before) == before
    assert await due_dates(http, stack, neighbour_code, NEIGHBOUR) == neighbour_before
