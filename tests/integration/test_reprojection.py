"""Re-projected due dates on the real PostgreSQL: routing's worker with a changed calendar, and closures."""

import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from services.routing import handlers
from services.routing.adapters.postgres_store import PLAN_DOCUMENT, PostgresRoutingStore
from services.routing.domain.closures import Closure, Decision
from services.routing.reprojection import Reprojector, closure_changed
from shared.contracts import (
    Applicant,
    DossierStatusChanged,
    DossierSubmitted,
    DossierWithdrawn,
    TaskAssigned,
    TaskCompleted,
    TaskDueChanged,
    TaskOutcome,
)
from shared.kernel.db import create_pool
from shared.kernel.migrations import migrate
from shared.kernel.settings import CommonSettings
from shared.kernel.unit_of_work import Transactions
from shared.reference.calendar import DayOverride, default_calendar, due_at, load_overrides, vietnam_calendar
from shared.reference.data import catalogue
from tests.support.dossiers import BIRTH_GROUP_IN_QUYNH_LUU

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = datetime(2026, 3, 9, 9, 0, tzinfo=HCM)
ROUTING_MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "routing" / "migrations"
PREFIX = "it."
QUYNH_LUU, ANH_SON = "17179", "17329"
# 11 March 2026, a Wednesday, given off by a (test) government decision.
CHANGED = vietnam_calendar([*load_overrides(), DayOverride(date(2026, 3, 11), "off", "Test", "Test decision")])


@pytest.fixture
async def pool(settings: CommonSettings) -> AsyncIterator[asyncpg.Pool]:
    schema = f"it_reproject_{uuid.uuid4().hex[:8]}"
    await migrate(settings.database_url, schema, ROUTING_MIGRATIONS)
    pool = await create_pool(settings.database_url, schema)
    yield pool
    await pool.close()


def transactions(pool: asyncpg.Pool, now: datetime = MONDAY) -> Transactions[Any]:
    return Transactions(lambda: pool, PostgresRoutingStore, "routing", PREFIX, lambda: now)


async def submit(pool: asyncpg.Pool, commune: str) -> DossierSubmitted:
    procedure = catalogue().find(BIRTH_GROUP_IN_QUYNH_LUU["procedure_code"])
    assert procedure is not None
    event = DossierSubmitted(
        dossier_id=uuid.uuid4(),
        dossier_code=f"000.01.15.H40-260309-{uuid.uuid4().int % 10000:04d}",
        procedure_code=procedure.code,
        applicant=Applicant.model_validate(BIRTH_GROUP_IN_QUYNH_LUU["applicant"]),
        receiving_agency="000.01.15.H40",
        commune_code=commune,
        province_code="40",
        received_at=MONDAY,
        due_at=due_at(default_calendar(), MONDAY, procedure.working_days, cutoff=procedure.cutoff),
        client_id="counter",
        components=tuple(BIRTH_GROUP_IN_QUYNH_LUU.get("components", ())),
    )
    async with transactions(pool)() as uow:
        await handlers.plan_dossier(uow, event)
    return event


async def events_since(pool: asyncpg.Pool, after: int) -> list[tuple[str, Any]]:
    rows = await pool.fetch("SELECT id, headers, payload FROM outbox WHERE id > $1 ORDER BY id", after)
    out: list[tuple[str, Any]] = []
    for row in rows:
        for model in (TaskDueChanged, DossierStatusChanged):
            try:
                out.append((model.__name__, model.model_validate_json(row["payload"])))
                break
            except ValueError:
                continue
    return out


async def last_outbox(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT coalesce(max(id), 0) FROM outbox"))


async def due_of(pool: asyncpg.Pool, dossier_id: uuid.UUID) -> datetime:
    return await pool.fetchval("SELECT due_at FROM dossiers WHERE id = $1", dossier_id)  # type: ignore[no-any-return]


def quynh_luu_closed(decision: str) -> Closure:
    """Quỳnh Lưu's offices closed 10 to 12 March 2026 by the decision numbered ``decision``."""
    return Closure(
        uuid.uuid4(),
        "40",
        (QUYNH_LUU,),
        date(2026, 3, 10),
        date(2026, 3, 12),
        "lũ lụt",
        Decision(decision, date(2026, 3, 9), "UBND tỉnh Nghệ An"),
        "operator:ops",
        MONDAY,
    )


async def test_a_changed_calendar_moves_open_due_dates_once_and_leaves_finished_ones_alone(pool: asyncpg.Pool) -> None:
    open_one, finished = await submit(pool, QUYNH_LUU), await submit(pool, ANH_SON)
    async with transactions(pool)() as uow:
        withdrawn = DossierWithdrawn(
            dossier_id=finished.dossier_id, dossier_code=finished.dossier_code, reason="r", withdrawn_at=MONDAY
        )
        await handlers.dossier_withdrawn(uow, withdrawn)
    first = Reprojector(transactions(pool), default_calendar())
    assert await first.reprojected() == 0  # planned on the calendar in force: nothing to count again
    before, finished_before = await due_of(pool, open_one.dossier_id), await due_of(pool, finished.dossier_id)
    mark = await last_outbox(pool)

    changed = Reprojector(transactions(pool), CHANGED)
    assert await changed.reprojected() == 1
    assert await changed.reprojected() == 0

    events = await events_since(pool, mark)
    statuses = [e for name, e in events if name == "DossierStatusChanged"]
    assert len(statuses) == 1
    assert statuses[0].dossier_id == open_one.dossier_id
    assert statuses[0].status == statuses[0].previous_status
    assert statuses[0].reason
    # Three working days from Monday 9 March: Thursday 12; with Wednesday 11 off, Friday 13.
    assert before == datetime(2026, 3, 12, 17, tzinfo=HCM)
    assert statuses[0].due_at == datetime(2026, 3, 13, 17, tzinfo=HCM)
    assert [e.dossier_id for name, e in events if name == "TaskDueChanged"] == [open_one.dossier_id] * sum(
        1 for name, _ in events if name == "TaskDueChanged"
    )
    assert await due_of(pool, open_one.dossier_id) == datetime(2026, 3, 13, 17, tzinfo=HCM)
    assert await due_of(pool, finished.dossier_id) == finished_before
    journal = await pool.fetch("SELECT action FROM journal WHERE chain = $1", open_one.dossier_code)
    assert "due dates re-projected" in [r["action"] for r in journal]


async def test_a_closure_moves_its_communes_due_dates_not_the_neighbours_and_ending_it_moves_them_back(
    pool: asyncpg.Pool,
) -> None:
    closed, neighbour = await submit(pool, QUYNH_LUU), await submit(pool, ANH_SON)
    work = Reprojector(transactions(pool), default_calendar())
    await work.reprojected()
    before = {d.dossier_id: await due_of(pool, d.dossier_id) for d in (closed, neighbour)}
    closure = quynh_luu_closed("123/QĐ-UBND")
    mark = await last_outbox(pool)
    async with transactions(pool)() as uow:
        assert await closure_changed(uow, closure, "declared", "operator:ops") == 1
    assert await work.reprojected() == 1

    moved = await events_since(pool, mark)
    assert {e.dossier_id for _, e in moved} == {closed.dossier_id}
    [status] = [e for name, e in moved if name == "DossierStatusChanged"]
    assert "123/QĐ-UBND" in (status.reason or "")
    # Due Thursday 12 March; with 10-12 March closed, the three working days are 13, 16 and 17 March.
    assert before[closed.dossier_id] == datetime(2026, 3, 12, 17, tzinfo=HCM)
    assert await due_of(pool, closed.dossier_id) == datetime(2026, 3, 17, 17, tzinfo=HCM)
    assert status.due_at == datetime(2026, 3, 17, 17, tzinfo=HCM)
    assert await due_of(pool, neighbour.dossier_id) == before[neighbour.dossier_id]

    async with transactions(pool)() as uow:
        await closure_changed(uow, closure.ended(date(2026, 3, 10), MONDAY), "ended", "operator:ops")
    assert await work.reprojected() == 1
    assert await due_of(pool, closed.dossier_id) == before[closed.dossier_id]  # ended before it began
    journal = await pool.fetch("SELECT action, details FROM journal WHERE chain = 'service:routing' ORDER BY position")
    assert [r["action"] for r in journal] == ["closure declared", "closure ended"]
    assert "123/QĐ-UBND" in journal[0]["details"]


async def test_due_dates_computed_during_a_closure_are_counted_on_the_dossiers_calendar(pool: asyncpg.Pool) -> None:
    closure = quynh_luu_closed("124/QĐ-UBND")
    async with transactions(pool)() as uow:
        await closure_changed(uow, closure, "declared", "operator:ops")
    filed_during = await submit(pool, QUYNH_LUU)
    neighbour = await submit(pool, ANH_SON)
    # Filed during the closure: three working days from Monday 9 March are 13, 16 and 17 March.
    assert await due_of(pool, filed_during.dossier_id) == datetime(2026, 3, 17, 17, tzinfo=HCM)
    assert await due_of(pool, neighbour.dossier_id) == datetime(2026, 3, 12, 17, tzinfo=HCM)
    assert await Reprojector(transactions(pool), default_calendar()).reprojected() == 0, "already counted on it"

    plan = await pool.fetchval("SELECT plan FROM dossiers WHERE id = $1", filed_during.dossier_id)
    first = next(t for t in PLAN_DOCUMENT.validate_json(plan).tasks if t.stage == 0)
    mark = await last_outbox(pool)
    approved = TaskCompleted(
        dossier_id=filed_during.dossier_id,
        dossier_code=filed_during.dossier_code,
        task_id=first.id,
        unit_code=first.routing.unit_code,
        outcome=TaskOutcome.APPROVED,
        completed_by="clerk",
        completed_at=MONDAY,
    )
    async with transactions(pool)() as uow:
        await handlers.task_completed(uow, approved)
    rows = await pool.fetch("SELECT payload FROM outbox WHERE id > $1 ORDER BY id", mark)
    opened = [TaskAssigned.model_validate_json(r["payload"]) for r in rows if '"task_key"' in r["payload"]]
    assert opened, "the approval opens the next stage"
    closed = default_calendar().with_days_closed(closure.days())
    for task in opened:
        days = next(t.working_days for t in PLAN_DOCUMENT.validate_json(plan).tasks if t.id == task.task_id)
        assert task.due_at == due_at(closed, MONDAY, days), task.task_key
