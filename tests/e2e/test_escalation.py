"""An overdue task climbs the escalation ladder: each step once with two departments and across a restart, the
clerks' e-mails at the SMTP stand-in, the supervisors' overdue lists, the draft apology letter and its extension.

How the task is made overdue: routing is played by publishing a ``task.assigned`` due a few seconds
after now (as tests/e2e/test_deadline_marks.py does); the department's scheduler marks it overdue for
real. The stack's department is stopped meanwhile and two departments run with a ladder file whose
three steps fall at 0 working hours, so every step is due at once whatever the hour of the run
(steps spread over working hours are the unit tests' matter: tests/unit/test_escalation_ladder.py).
"""

import asyncio
import re
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from stack import ServiceStack
from standins.process import StandinServers

from shared.contracts import TaskEscalated, topic_of
from shared.contracts.streams import event_type_of
from shared.kernel.settings import CommonSettings
from tests.support import clerks
from tests.support.instances import MoreInstances
from tests.support.kafka import read_topic
from tests.support.routing_orders import assign
from tests.support.waiting import eventually

UNIT, ONE_STOP = "17179.KT", "40.TTPVHCC"
STEP_TYPE = event_type_of(TaskEscalated).ce_type
LADDER = """
version: "e2e-short"
sources: ["tests/e2e/test_escalation.py: every step at once"]
default:
  - {step: 1, after_working_hours: 0, audience: unit-supervisors}
  - {step: 2, after_working_hours: 0, audience: unit-head}
  - {step: 3, after_working_hours: 0, audience: province-one-stop}
"""
MAIL_TO = {
    "giamsat.kt@xa-quynhluu.example.vn": "unit's supervisor",
    "chutich@xa-quynhluu.example.vn": "unit's head",
    "giamsat@ttpvhcc.nghean.example.vn": "province's one-stop supervisor",
}


async def _steps(settings: CommonSettings, task_id: uuid.UUID) -> dict[int, set[str]]:
    """The ce_ids of each step the task took, as published."""
    records = await read_topic(settings, topic_of(TaskEscalated, settings.topic_prefix), at_least=1, timeout=2)
    steps: dict[int, set[str]] = defaultdict(set)
    for record in records:
        if record.headers.get("ce_type") == STEP_TYPE:
            event = TaskEscalated.model_validate_json(record.value)
            if event.task_id == task_id:
                steps[event.step].add(record.headers["ce_id"])
    return steps


def _what(subject: str) -> str:
    """``warning`` or ``step <n>`` from a clerk's Vietnamese subject."""
    step = re.search(r"cấp (\d)", subject)
    return f"step {step.group(1)}" if step else "warning" if "Sắp đến hạn" in subject else subject


def _mail(standins: StandinServers, code: str) -> list[dict[str, Any]]:
    return [r["body"] for r in standins.received("mail") if code in r["body"]["subject"]]


async def test_an_overdue_task_takes_each_step_once_and_its_clerks_are_told(
    stack: ServiceStack,
    settings: CommonSettings,
    more_instances: MoreInstances,
    fresh_standins: StandinServers,
    tmp_path: Path,
) -> None:
    ladder = tmp_path / "escalation.yaml"
    ladder.write_text(LADDER, encoding="utf-8")
    short = {"LIENTHONG_ESCALATION_LADDER_FILE": str(ladder)}
    code = f"000.01.15.H40-261202-{uuid.uuid4().int % 10_000:04d}"
    stack.stop(["department"])
    try:
        first = more_instances.start("department", short)
        second = more_instances.start("department", short)
        due_at = datetime.now(UTC) + timedelta(seconds=3)
        task_id = await assign(
            settings, unit=UNIT, code=code, task_key="land-register", due_at=due_at, assigned_ago=timedelta(days=1)
        )

        async def all_steps() -> dict[int, set[str]] | None:
            steps = await _steps(settings, task_id)
            return steps if set(steps) == {1, 2, 3} else None

        await eventually(all_steps, timeout=60, what=f"the three steps of task {task_id}")
        first.kill("department")  # SIGKILL, and back: nothing may be taken again
        first.start(["department"])
        first.wait_ready(["department"])
        await asyncio.sleep(2)  # ten more looks of both instances
        steps = await _steps(settings, task_id)
        assert {step: len(ids) for step, ids in steps.items()} == {1: 1, 2: 1, 3: 1}, "a step was taken twice"

        async def told() -> list[dict[str, Any]] | None:
            mail = _mail(fresh_standins, code)
            return mail if len(mail) >= 4 else None  # the warning and the three steps

        mail = await eventually(told, timeout=30, what=f"the clerks' mail about {code}")
        await asyncio.sleep(1)
        mail = _mail(fresh_standins, code)
        by_recipient = sorted((MAIL_TO[m["rcpt_tos"][0]], _what(m["subject"])) for m in mail)
        assert by_recipient == [
            ("province's one-stop supervisor", "step 3"),
            ("unit's head", "step 2"),
            ("unit's supervisor", "step 1"),
            ("unit's supervisor", "warning"),
        ]
        step_mail = next(m for m in mail if "cấp 2" in m["subject"])
        assert str(task_id) in step_mail["text"]

        department = second.url("department")
        async with httpx.AsyncClient(timeout=10) as http:
            await _lists_show_it(http, department, task_id)
            await _draft_then_extend(http, department, task_id, code)
    finally:
        more_instances.stop()
        stack.start(["department"])
        stack.wait_ready(["department"])


async def _lists_show_it(http: httpx.AsyncClient, department: str, task_id: uuid.UUID) -> None:
    supervisor = clerks.headers(UNIT, "supervisor")
    unit_list = await http.get(f"{department}/v1/units/{UNIT}/overdue", headers=supervisor, params={"limit": 200})
    assert unit_list.status_code == 200, unit_list.text
    [mine] = [t for t in unit_list.json()["items"] if t["id"] == str(task_id)]
    assert mine["escalation_step"] == 3
    assert mine["extended"] is False
    assert mine["days_overdue"] == 0

    one_stop = clerks.headers(ONE_STOP, "supervisor")
    province = await http.get(
        f"{department}/v1/provinces/40/overdue", headers=one_stop, params={"unit": UNIT, "procedure": "1.001193"}
    )
    assert province.status_code == 200, province.text
    assert str(task_id) in {t["id"] for t in province.json()["items"]}
    later = await http.get(f"{department}/v1/provinces/40/overdue", headers=one_stop, params={"min_days_overdue": 1})
    assert str(task_id) not in {t["id"] for t in later.json()["items"]}

    first_page = await http.get(f"{department}/v1/units/{UNIT}/overdue", headers=supervisor, params={"limit": 1})
    assert first_page.status_code == 200, first_page.text
    if first_page.json()["next_cursor"]:
        cursor = first_page.json()["next_cursor"]
        following = await http.get(
            f"{department}/v1/units/{UNIT}/overdue", headers=supervisor, params={"limit": 1, "cursor": cursor}
        )
        assert following.json()["items"][0]["id"] != first_page.json()["items"][0]["id"]

    handler = await http.get(f"{department}/v1/units/{UNIT}/overdue", headers=clerks.headers(UNIT, "handler"))
    assert handler.status_code == 403, handler.text
    elsewhere = await http.get(f"{department}/v1/provinces/91/overdue", headers=one_stop)
    assert elsewhere.status_code == 404, elsewhere.text


async def _draft_then_extend(http: httpx.AsyncClient, department: str, task_id: uuid.UUID, code: str) -> None:
    handler = clerks.headers(UNIT, "handler", clerk="kt.xu-ly")
    draft = await http.get(f"{department}/v1/tasks/{task_id}/apology-draft", headers=handler)
    assert draft.status_code == 200, draft.text
    body = draft.json()
    assert body["dossier_code"] == code
    assert body["reason"] is None
    assert body["letter"].startswith("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ")
    assert body["send_with"]["path"] == f"/v1/tasks/{task_id}/extension"

    task = await http.get(f"{department}/v1/tasks/{task_id}", headers=handler)
    extension = {**body["send_with"]["body"], "reason": "Cần xác minh thêm nguồn gốc đất"}
    sent = await http.post(
        f"{department}{body['send_with']['path']}",
        headers={**handler, "If-Match": task.headers["ETag"]},
        json=extension,
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["due_at"].startswith(body["proposed_new_due_date"])

    again = await http.get(f"{department}/v1/tasks/{task_id}/apology-draft", headers=handler)
    assert again.status_code == 409, again.text
    assert again.json()["errors"][0]["field"] == "due_at"  # extended to a later day: no longer overdue
