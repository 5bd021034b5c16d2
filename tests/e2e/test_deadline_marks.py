"""Deadline marks from the running department: once each, through a crash and beside a second instance."""

import asyncio
import json
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import asyncpg
from stack import ServiceStack

from shared.contracts import TaskDeadlineReached, topic_of
from shared.contracts.streams import event_type_of
from shared.kernel.settings import CommonSettings
from tests.support.instances import MoreInstances
from tests.support.kafka import read_topic
from tests.support.routing_orders import assign
from tests.support.waiting import eventually

TASKS = 12
MARK_TYPE = event_type_of(TaskDeadlineReached).ce_type


async def _assign(settings: CommonSettings, due_at: datetime) -> uuid.UUID:
    """A task assigned as routing would, an hour ago, due at ``due_at``."""
    return await assign(
        settings, unit="17179.VP", code="000.01.15.H40-261122-9001", task_key="register-birth", due_at=due_at
    )


async def test_each_task_gets_each_mark_once_across_a_crash_and_with_two_instances(
    stack: ServiceStack, settings: CommonSettings, more_instances: MoreInstances
) -> None:
    second = more_instances.start("department")
    try:
        start = datetime.now(UTC)
        tasks = {await _assign(settings, start + timedelta(seconds=4 + i / 2)) for i in range(TASKS)}
        await asyncio.sleep(3)
        stack.kill("department")  # SIGKILL: whatever it had not committed is gone
        await asyncio.sleep(1)
        stack.start(["department"])
        stack.wait_ready(["department"])

        topic = topic_of(TaskDeadlineReached, settings.topic_prefix)

        async def all_marks() -> list[tuple[TaskDeadlineReached, dict[str, str]]] | None:
            records = await read_topic(settings, topic, at_least=1, timeout=2)
            marks = [r for r in records if r.headers.get("ce_type") == MARK_TYPE]  # not the escalation steps
            events = [(TaskDeadlineReached.model_validate_json(r.value), r.headers) for r in marks]
            mine = [(e, h) for e, h in events if e.task_id in tasks]
            return mine if len({(e.task_id, e.kind) for e, _ in mine}) == 2 * TASKS else None

        await eventually(all_marks, timeout=60, what=f"both marks of {TASKS} tasks")
        await asyncio.sleep(2)  # ten more polls of both instances: nothing more may come
        marks = await all_marks()
    finally:
        second.stop()

    assert marks is not None
    ce_ids: dict[tuple[uuid.UUID, str], set[str]] = defaultdict(set)
    for event, headers in marks:
        ce_ids[(event.task_id, event.kind)].add(headers["ce_id"])
    assert set(ce_ids) == {(t, k) for t in tasks for k in ("warning", "overdue")}
    assert all(len(ids) == 1 for ids in ce_ids.values()), "a mark was sent as two events"
    for event, _ in marks:
        assert event.reached_at <= event.due_at
        assert event.unit_code == "17179.VP"
    # How long after its due time each overdue mark was committed (ce_time is stamped at commit time).
    delays = [
        datetime.fromisoformat(headers["ce_time"]) - event.due_at for event, headers in marks if event.kind == "overdue"
    ]
    assert all(delay > timedelta(0) for delay in delays)
    print(f"overdue marks sent {min(delays)} to {max(delays)} after the due time")

    connection = await asyncpg.connect(settings.database_url, server_settings={"search_path": "department"})
    try:
        rows = await connection.fetch("SELECT task_id, kind FROM deadline_marks WHERE task_id = ANY($1)", list(tasks))
        outbox = await connection.fetch(
            "SELECT payload FROM outbox WHERE topic = $1 AND (payload::jsonb->>'task_id')::uuid = ANY($2)"
            " AND payload::jsonb ? 'kind'",
            topic,
            list(tasks),
        )
    finally:
        await connection.close()
    assert len(rows) == len(outbox) == 2 * TASKS
    assert {json.loads(r["payload"])["kind"] for r in outbox} == {"warning", "overdue"}
