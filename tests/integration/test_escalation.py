"""Escalation of overdue tasks on the real PostgreSQL: each step once, at its working hour, from any number of looks."""

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
from services.department.escalation.escalator import Escalator
from shared.contracts import TASK_DEADLINES, TaskEscalated
from shared.kernel.db import create_pool
from shared.kernel.settings import CommonSettings
from shared.kernel.unit_of_work import Transactions
from shared.reference.calendar import default_calendar
from shared.reference.escalation import escalation_ladders
from tests.support.clock import Clock
from tests.support.department_rows import add_task, department_schema, finish_task

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICE = OfficeTime(default_calendar())
PREFIX = "it."


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=HCM)


# Due Monday 23 November 2026 at 17:00. The shipped ladder: step 1 at once, step 2 after 9 working
# hours, one working day of office hours, step 3 after 18. Tuesday 24 is Vietnam Culture Day, a
# holiday from 2026: step 2 falls on Wednesday at 17:00, step 3 on Thursday at 17:00.
ASSIGNED, DUE = at(11, 20, 10), at(11, 23, 17)
STEP_2, STEP_3 = at(11, 25, 17), at(11, 26, 17)


@pytest.fixture
async def schema(settings: CommonSettings) -> AsyncIterator[tuple[str, asyncpg.Pool]]:
    name, pool = await department_schema(settings.database_url, "it_escalation")
    yield name, pool
    await pool.close()


def _transactions(pool: asyncpg.Pool, clock: Clock) -> Transactions[asyncpg.Connection]:
    return Transactions(lambda: pool, lambda c: c, "department", PREFIX, clock)


def escalator(pool: asyncpg.Pool, clock: Clock, batch: int = 100) -> Escalator:
    return Escalator(_transactions(pool, clock), OFFICE, escalation_ladders(), batch=batch)


async def mark_overdue(pool: asyncpg.Pool, clock: Clock) -> None:
    """The deadline scheduler's review at ``clock``: its overdue mark starts the escalation clock."""
    await DeadlineScheduler(_transactions(pool, clock), DeadlinePolicy(OFFICE), batch=100).review()


async def escalations(pool: asyncpg.Pool) -> list[TaskEscalated]:
    rows = await pool.fetch(
        "SELECT payload FROM outbox WHERE topic = $1 ORDER BY id", f"{PREFIX}{TASK_DEADLINES.topic}"
    )
    events = [json.loads(r["payload"]) for r in rows]
    return [TaskEscalated.model_validate(e) for e in events if "step" in e]


async def test_each_step_falls_once_at_its_working_hour_also_after_a_restart(schema: tuple[str, asyncpg.Pool]) -> None:
    _, pool = schema
    task_id = await add_task(pool, assigned_at=ASSIGNED, due_at=DUE)
    clock = Clock(DUE + timedelta(minutes=1))
    await mark_overdue(pool, clock)
    first = escalator(pool, clock)

    assert (await first.look()).taken == 1
    assert (await first.look()).taken == 0
    clock.now = STEP_2 - timedelta(seconds=1)  # two nights and a holiday later, but not 9 office hours
    assert (await first.look()).taken == 0
    restarted = escalator(pool, clock)  # a new process: only the database remembers
    clock.now = STEP_2
    assert (await restarted.look()).taken == 1
    clock.now = at(11, 30, 9)
    assert (await restarted.look()).taken == 1
    assert (await restarted.look()).taken == 0

    events = await escalations(pool)
    assert [(e.step, e.audience) for e in events] == [
        (1, "unit-supervisors"),
        (2, "unit-head"),
        (3, "province-one-stop"),
    ]
    assert {(e.task_id, e.overdue_at, e.due_at, e.ladder_version) for e in events} == {
        (task_id, DUE, DUE, escalation_ladders().version)
    }
    steps = await pool.fetch("SELECT step, falls_at FROM task_escalations WHERE task_id = $1 ORDER BY step", task_id)
    assert [(r["step"], r["falls_at"]) for r in steps] == [(1, DUE), (2, STEP_2), (3, STEP_3)]
    feed = await pool.fetch("SELECT action, detail FROM task_history WHERE task_id = $1 ORDER BY id", task_id)
    assert [r["action"] for r in feed] == ["deadline-warning", "overdue", "escalated", "escalated", "escalated"]
    journal = await pool.fetch("SELECT details FROM journal WHERE action = 'task escalated' ORDER BY recorded_at")
    assert [json.loads(r["details"])["step"] for r in journal] == [1, 2, 3]


async def test_two_instances_looking_at_once_take_each_step_once(
    schema: tuple[str, asyncpg.Pool], settings: CommonSettings
) -> None:
    name, pool = schema
    tasks = [await add_task(pool, assigned_at=ASSIGNED, due_at=DUE) for _ in range(40)]
    clock = Clock(at(11, 30, 9))  # every step has fallen
    await mark_overdue(pool, clock)
    other_pool = await create_pool(settings.database_url, name)
    instances = [escalator(pool, clock, batch=5), escalator(other_pool, clock, batch=5)]

    async def drain(instance: Escalator) -> int:
        return sum([(await instance.look()).taken for _ in range(15)])

    try:
        per_instance = await asyncio.gather(*(drain(i) for i in instances))
    finally:
        await other_pool.close()

    events = await escalations(pool)
    assert sum(per_instance) == len(events) == 3 * len(tasks)
    assert sorted((e.task_id, e.step) for e in events) == sorted((t, s) for t in tasks for s in (1, 2, 3))
    assert all(per_instance), f"both instances should have taken some steps, got {per_instance}"


async def test_a_finished_or_extended_task_climbs_no_further(schema: tuple[str, asyncpg.Pool]) -> None:
    _, pool = schema
    finished = await add_task(pool, assigned_at=ASSIGNED, due_at=DUE)
    extended = await add_task(pool, assigned_at=ASSIGNED, due_at=DUE)
    clock = Clock(DUE + timedelta(minutes=1))
    await mark_overdue(pool, clock)
    assert (await escalator(pool, clock).look()).taken == 2

    await finish_task(pool, finished, "approved", at(11, 24, 9))
    await pool.execute("UPDATE tasks SET due_at = $2 WHERE id = $1", extended, at(12, 4, 17))  # Form 04
    clock.now = at(11, 30, 9)
    assert (await escalator(pool, clock).look()).taken == 0
    assert await pool.fetchval("SELECT count(*) FROM escalation_clocks WHERE next_at IS NOT NULL") == 0
    assert [e.step for e in await escalations(pool)] == [1, 1]
