"""``make demo``'s escalation: an overdue task of Quỳnh Lưu's Economic Section takes step 1 of its ladder.

How the task is made overdue, plainly: the demo plays routing. It publishes a ``task.assigned``
on ``routing.task-orders.v1`` with routing's own broker principal, for a made-up dossier code,
assigned a day ago and due 5 seconds from now. Everything after is the department's own work:
its scheduler marks the task overdue, the escalator takes step 1 of the shipped ladder
(``shared/reference/escalation.yaml``: the unit's supervisors, at 0 working hours). The unit's
supervisor (``head.17179.kt``) then sees it in the overdue list with its history, and the draft
apology letter (Form 04) with the new date the calendar proposes.
"""

import asyncio
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from kafka_principals import connect_as, credentials_file, load, local_dir

from shared.contracts import TaskAssigned, topic_of
from shared.contracts.cloudevents import headers_for
from shared.kernel.kafka_connection import kafka_connection
from shared.kernel.settings import CommonSettings

UNIT, SUPERVISOR = "17179.KT", "head.17179.kt"


def show_escalation(http: httpx.Client, identities: Any, department: str, token_url: str) -> str:
    """Make one task overdue as routing would, and show its first escalation step; the dossier's code."""
    print("\n== Escalation: an overdue task takes step 1 of its ladder")
    print("   How it is made overdue: the demo plays routing and publishes task.assigned (routing's own principal)")
    print(f"   for unit {UNIT}, assigned a day ago and due in 5 s; the department marks and escalates it itself.")
    code = f"000.01.15.H40-{datetime.now(UTC):%y%m%d}-9{random.randrange(1000):03d}"  # noqa: S311 - a demo code
    task_id = asyncio.run(_play_routing(code, datetime.now(UTC) + timedelta(seconds=5)))
    supervisor = _signed_in(http, identities, token_url)
    listed = _escalated(http, department, supervisor, task_id)
    print(f"   {UNIT:<10} GET /v1/units/{UNIT}/overdue: {code} due {listed['due_at'][:19]}Z,")
    step, extended = listed["escalation_step"], listed["extended"]
    print(f"              escalation step {step} (the unit's supervisors), extended {extended}")
    detail = http.get(f"{department}/v1/tasks/{task_id}", headers=supervisor).json()
    for entry in detail["history"]:
        print(f"              history: {entry['action']:<17} by {entry['actor']}")
    draft = http.get(f"{department}/v1/tasks/{task_id}/apology-draft", headers=supervisor)
    if draft.status_code != 200:
        sys.exit(f"demo: no apology draft: {draft.status_code} {draft.text}")
    print(f"   apology draft (Form 04): new date proposed {draft.json()['proposed_new_due_date']}, reason left to the")
    print(f"              clerk; sent with POST {draft.json()['send_with']['path']}")
    print("   (clerks get e-mail/Zalo of each step when LIENTHONG_CLERK_CONTACTS_FILE names their contacts)")
    return code


async def _play_routing(code: str, due_at: datetime) -> str:

    path = credentials_file(local_dir())
    settings = CommonSettings()
    if path.exists():
        settings = connect_as(settings, load(path), "routing")
    event = TaskAssigned(
        dossier_id=uuid.uuid4(),
        dossier_code=code,
        task_id=uuid.uuid4(),
        task_key="demo-overdue",
        stage=0,
        unit_code=UNIT,
        procedure_code="1.001193",
        assigned_at=datetime.now(UTC) - timedelta(days=1),
        due_at=due_at,
    )
    headers = headers_for(event, source="routing").as_kafka_headers()
    producer = AIOKafkaProducer(**kafka_connection(settings))
    await producer.start()
    try:
        await producer.send_and_wait(
            topic_of(TaskAssigned, settings.topic_prefix),
            event.model_dump_json().encode(),
            key=str(event.dossier_id).encode(),
            headers=[(k, v.encode()) for k, v in headers.items()],
        )
    finally:
        await producer.stop()
    return str(event.task_id)


def _escalated(http: httpx.Client, department: str, headers: dict[str, str], task_id: str) -> dict[str, Any]:
    # The scheduler marks it overdue and the escalator then takes the step, each looking every 30 s
    # (LIENTHONG_DEADLINE_POLL_SECONDS): up to a minute and a bit after it falls due, more on a busy machine.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        answer = http.get(f"{department}/v1/units/{UNIT}/overdue", headers=headers, params={"limit": 200})
        if answer.status_code != 200:
            sys.exit(f"demo: the overdue list answered {answer.status_code} {answer.text}")
        found = next((t for t in answer.json()["items"] if t["id"] == task_id), None)
        if found and found["escalation_step"]:
            return dict(found)
        time.sleep(0.5)
    sys.exit("demo: the overdue task never took its first escalation step")


def _signed_in(http: httpx.Client, identities: Any, token_url: str) -> dict[str, str]:
    clerk = next(c for c in identities.clerks if c.username == SUPERVISOR)
    form = {"grant_type": "password", "username": clerk.username, "password": clerk.password}
    answer = http.post(token_url, data=form)
    if answer.status_code != 200:
        sys.exit(f"demo: the identity provider refused {SUPERVISOR}: {answer.status_code} {answer.text}")
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}
