"""Deadline marks on the real PostgreSQL: each once, through the outbox, whatever runs how often."""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from services.department.deadlines.marks import DeadlinePolicy
from services.department.deadlines.office_time import OfficeTime
from services.department.deadlines.scheduler import DeadlineScheduler
from shared.contracts import TASK_DEADLINES, TaskDeadlineReached
from shared.kernel.db import create_pool
from shared.kernel.settings import CommonSettings
from shared.kernel.unit_of_work import Transactions
from shared.reference.calendar import default_calendar
from tests.support.clock import Clock
from tests.support.department_rows import add_task, department_schema, finish_task

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
POLICY = DeadlinePolicy(OfficeTime(default_calendar()))
PREFIX = "it."


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=HCM)


# One working day from Friday 20 November 2026 10:00: warning Monday 23 at 13:00, due at 17:00.
ASSIGNED, WARNING_AT, DUE = at(11, 20, 10), at(11, 23, 13), at(11, 23, 17)


@pytest.fixture
async def schema(settings: CommonSettings) -> AsyncIterator[tuple[str, asyncpg.Pool]]:
    name, pool = await department_schema(settings.database_url, "it_deadlines")
    yield name, pool
    await pool.close()


def scheduler(pool: asyncpg.Pool, clock: Clock, batch: int = 100) -> DeadlineScheduler:
    return DeadlineScheduler(Transactions(lambda: pool, lambda c: c, "department", PREFIX, clock), POLICY, batch=batch)


async def sent_events(pool: asyncpg.Pool) -> list[tuple[TaskDeadlineReached, str]]:
    rows = await pool.fetch("SELECT topic, headers, payload FROM outbox ORDER BY id")
    assert {r["topic"] for r in rows} <= {f"{PREFIX}{TASK_DEADLINES.topic}"}
    return [(TaskDeadlineReached.model_validate_json(r["payload"]), json.loads(r["headers"])["ce_id"]) for r in rows]


async def test_each_mark_is_sent_once_at_its_instant_also_after_a_restart(
    schema: tuple[str, asyncpg.Pool],
) -> None:
    _, pool = schema
    task_id = await add_task(pool, assigned_at=ASSIGNED, due_at=DUE)
    clock = Clock(WARNING_AT - timedelta(minutes=1))
    first = scheduler(pool, clock)

    assert (await first.review()).sent == 0
    clock.now = WARNING_AT
    assert (await first.review()).sent == 1
    assert (await first.review()).sent == 0
    restarted = scheduler(pool, clock)  # a new process: nothing but the database remembers
    clock.now = DUE
    assert (await restarted.review()).sent == 0
    clock.now = DUE + timedelta(seconds=1)
    assert (await restarted.review()).sent == 1
    clock.now = at(11, 30, 9)
    assert (await restarted.review()).sent == 0

    events = await sent_events(pool)
    assert [(e.kind, e.reached_at) for e, _ in events] == [("warning", WARNING_AT), ("overdue", DUE)]
    assert {(e.task_id, e.assigned_at, e.due_at, e.unit_code) for e, _ in events} == {
        (task_id, ASSIGNED, DUE, "17179.VP")
    }
    assert len({ce_id for _, ce_id in events}) == 2


async def test_two_instances_reviewing_at_once_send_each_mark_once(
    schema: tuple[str, asyncpg.Pool], settings: CommonSettings
) -> None:
    name, pool = schema
    tasks = [await add_task(pool, assigned_at=ASSIGNED, due_at=DUE) for _ in range(60)]
    other_pool = await create_pool(settings.database_url, name)
    clock = Clock(at(11, 24, 9))
    instances = [scheduler(pool, clock, batch=7), scheduler(other_pool, clock, batch=7)]

    async def drain(instance: DeadlineScheduler) -> int:
        sent = 0
        for _ in range(20):
            sent += (await instance.review()).sent
        return sent

    try:
        per_instance = await asyncio.gather(*(drain(i) for i in instances))
    finally:
        await other_pool.close()

    events = await sent_events(pool)
    assert sum(per_instance) == len(events) == 2 * len(tasks)
    assert sorted((e.task_id, e.kind) for e, _ in events) == sorted(
        (t, kind) for t in tasks for kind in ("warning", "overdue")
    )
    assert all(per_instance), f"both instances should have sent some marks, got {per_instance}"


async def test_a_clock_locked_elsewhere_is_skipped_not_waited_for(schema: tuple[str, asyncpg.Pool]) -> None:
    _, pool = schema
    task_id = await add_task(pool, assigned_at=ASSIGNED, due_at=DUE)
    clock = Clock(at(11, 24, 9))
    async with pool.acquire() as holder, holder.transaction():
        await holder.execute("SELECT 1 FROM deadline_clocks WHERE task_id = $1 FOR UPDATE", task_id)
        review = await asyncio.wait_for(scheduler(pool, clock).review(), timeout=5)
        assert (review.reviewed, review.sent) == (0, 0)
    assert (await scheduler(pool, clock).review()).sent == 2


async def test_a_task_waiting_for_supplements_gets_no_mark_until_it_resumes(schema: tuple[str, asyncpg.Pool]) -> None:
    _, pool = schema
    task_id = await add_task(pool, assigned_at=ASSIGNED, due_at=DUE)
    clock = Clock(at(11, 23, 9))
    instance = scheduler(pool, clock)
    await instance.review()
    await pool.execute("UPDATE tasks SET status = 'waiting' WHERE id = $1", task_id)
    clock.now = at(11, 25, 9)  # past both marks, but the clock is stopped
    assert (await instance.review()).sent == 0
    # Resumed on Wednesday 25: two working days waited (Tuesday 24 is a holiday), due Thursday 26 17:00.
    await pool.execute("UPDATE tasks SET status = 'open', due_at = $2 WHERE id = $1", task_id, at(11, 26, 17))
    assert (await instance.review()).sent == 0
    clock.now = at(11, 26, 13)
    assert (await instance.review()).sent == 1

    events = await sent_events(pool)
    assert [(e.kind, e.reached_at, e.due_at) for e, _ in events] == [("warning", at(11, 26, 13), at(11, 26, 17))]


async def test_an_extension_after_the_warning_sends_no_second_one_and_moves_the_overdue_mark(
    schema: tuple[str, asyncpg.Pool],
) -> None:
    _, pool = schema
    task_id = await add_task(pool, assigned_at=ASSIGNED, due_at=DUE)
    clock = Clock(WARNING_AT)
    instance = scheduler(pool, clock)
    assert (await instance.review()).sent == 1
    new_due = at(11, 27, 17)
    await pool.execute("UPDATE tasks SET due_at = $2, version = version + 1 WHERE id = $1", task_id, new_due)
    clock.now = at(11, 27, 14)  # the moved warning instant has passed too
    assert (await instance.review()).sent == 0
    clock.now = new_due + timedelta(seconds=1)
    assert (await instance.review()).sent == 1

    events = await sent_events(pool)
    assert [(e.kind, e.due_at) for e, _ in events] == [("warning", DUE), ("overdue", new_due)]


@pytest.mark.parametrize("status", ["approved", "refused", "returned", "cancelled"])
async def test_a_finished_task_gets_no_mark(schema: tuple[str, asyncpg.Pool], status: str) -> None:
    _, pool = schema
    task_id = await add_task(pool, assigned_at=ASSIGNED, due_at=DUE)
    await finish_task(pool, task_id, status, at(11, 23, 9))
    clock = Clock(at(11, 30, 9))
    assert (await scheduler(pool, clock).review()).sent == 0
    assert await sent_events(pool) == []
    clock_row = await pool.fetchrow("SELECT stale, next_mark_at FROM deadline_clocks WHERE task_id = $1", task_id)
    assert clock_row is not None
    assert (clock_row["stale"], clock_row["next_mark_at"]) == (False, None)


async def test_a_task_without_a_due_time_has_no_clock(schema: tuple[str, asyncpg.Pool]) -> None:
    _, pool = schema
    task_id = await add_task(pool, assigned_at=ASSIGNED, due_at=None)
    assert await pool.fetchval("SELECT count(*) FROM deadline_clocks WHERE task_id = $1", task_id) == 0
    assert (await scheduler(pool, Clock(at(11, 30, 9))).review()).reviewed == 0


async def test_only_clocks_with_something_to_do_are_read(schema: tuple[str, asyncpg.Pool]) -> None:
    _, pool = schema
    for _ in range(5):
        await add_task(pool, assigned_at=ASSIGNED, due_at=DUE)
    instance = scheduler(pool, Clock(at(11, 23, 9)))
    assert (await instance.review()).reviewed == 5  # new clocks are stale
    assert (await instance.review()).reviewed == 0  # nothing due before 13:00
