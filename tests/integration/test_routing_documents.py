"""Routing's store on the real PostgreSQL: a dossier filed then submitted, its documents kept as rows."""

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from services.routing import handlers, journey
from services.routing.adapters.postgres_store import PostgresRoutingStore
from shared.contracts import (
    Applicant,
    DocumentRole,
    DossierFiled,
    DossierStatusChanged,
    DossierSubmitted,
    DossierSupplemented,
    TaskAssigned,
    TaskResumed,
    TaskSupplementRequested,
)
from shared.kernel.db import create_pool
from shared.kernel.migrations import migrate
from shared.kernel.settings import CommonSettings
from shared.kernel.unit_of_work import Transactions
from shared.reference.calendar import default_calendar, due_at
from shared.reference.data import catalogue
from tests.support.dossiers import LAND_IN_QUYNH_LUU
from tests.support.routing_harness import document, filing

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = datetime(2026, 3, 9, 9, 0, tzinfo=HCM)
ROUTING_MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "routing" / "migrations"
FORM, PAPERS, BOOK = (
    document("form 15"),
    document("land-use papers"),
    document("household book", DocumentRole.SUPPLEMENT),
)


@pytest.fixture
async def pool(settings: CommonSettings) -> AsyncIterator[asyncpg.Pool]:
    schema = f"it_routing_docs_{uuid.uuid4().hex[:8]}"
    await migrate(settings.database_url, schema, ROUTING_MIGRATIONS)
    pool = await create_pool(settings.database_url, schema)
    yield pool
    await pool.close()


def transactions(pool: asyncpg.Pool, now: datetime = MONDAY) -> Transactions[Any]:
    return Transactions(lambda: pool, PostgresRoutingStore, "routing", "it.", lambda: now)


def _submitted() -> DossierSubmitted:
    procedure = catalogue().find(LAND_IN_QUYNH_LUU["procedure_code"])
    assert procedure is not None
    return DossierSubmitted(
        dossier_id=uuid.uuid4(),
        dossier_code=f"000.01.15.H40-260309-{uuid.uuid4().int % 10000:04d}",
        procedure_code=procedure.code,
        applicant=Applicant.model_validate(LAND_IN_QUYNH_LUU["applicant"]),
        receiving_agency="000.01.15.H40",
        commune_code="17179",
        province_code="40",
        received_at=MONDAY,
        due_at=due_at(default_calendar(), MONDAY, procedure.working_days, cutoff=procedure.cutoff),
        client_id="portal",
        documents=(FORM, PAPERS),
    )


def _filed(submitted: DossierSubmitted) -> DossierFiled:
    return filing(submitted, MONDAY - timedelta(days=3), (FORM,), "land-use papers")


async def _outbox(pool: asyncpg.Pool) -> list[Any]:
    rows = await pool.fetch("SELECT payload FROM outbox ORDER BY id")
    events: list[Any] = []
    for row in rows:
        for model in (TaskAssigned, TaskResumed, DossierStatusChanged):
            try:
                events.append(model.model_validate_json(row["payload"]))
                break
            except ValueError:
                continue
    return events


async def test_a_filed_dossier_submitted_later_keeps_one_row_its_numbers_and_its_documents_in_order(
    pool: asyncpg.Pool,
) -> None:
    submitted = _submitted()
    async with transactions(pool, MONDAY - timedelta(days=3))() as uow:
        await journey.record_filing(uow, _filed(submitted))
    async with transactions(pool)() as uow:
        await handlers.plan_dossier(uow, submitted)

    row = await pool.fetchrow("SELECT status, received_at, due_at FROM dossiers WHERE id = $1", submitted.dossier_id)
    assert row is not None
    assert (row["status"], row["received_at"], row["due_at"]) == ("processing", MONDAY, submitted.due_at)
    kept = await pool.fetch(
        "SELECT document_id, sha256 FROM dossier_documents WHERE dossier_id = $1 ORDER BY id", submitted.dossier_id
    )
    assert [(r["document_id"], r["sha256"]) for r in kept] == [(d.document_id, d.sha256) for d in (FORM, PAPERS)]
    events = await _outbox(pool)
    statuses = [e for e in events if isinstance(e, DossierStatusChanged)]
    assert [(s.status.portal_code, s.sequence) for s in statuses] == [(1, 1), (2, 2), (4, 4)]
    assert [e.documents for e in events if isinstance(e, TaskAssigned)] == [(FORM, PAPERS)]


async def test_supplements_are_kept_beside_the_plan_and_sent_with_the_resumed_task(pool: asyncpg.Pool) -> None:
    submitted = _submitted()
    async with transactions(pool)() as uow:
        await handlers.plan_dossier(uow, submitted)
    task = next(e for e in await _outbox(pool) if isinstance(e, TaskAssigned))
    asked = TaskSupplementRequested(
        dossier_id=task.dossier_id,
        dossier_code=task.dossier_code,
        task_id=task.task_id,
        unit_code=task.unit_code,
        missing=("household book",),
        requested_by="clerk",
        requested_at=MONDAY,
    )
    handed_in = DossierSupplemented(
        dossier_id=task.dossier_id, dossier_code=task.dossier_code, documents=(BOOK,), supplemented_at=MONDAY
    )
    async with transactions(pool)() as uow:
        await handlers.supplement_requested(uow, asked)
    async with transactions(pool, MONDAY + timedelta(days=2))() as uow:
        await handlers.dossier_supplemented(uow, handed_in)

    resumed = [e for e in await _outbox(pool) if isinstance(e, TaskResumed)]
    assert [e.documents for e in resumed] == [(BOOK,)]
    async with transactions(pool)() as uow:
        loaded = await uow.store.get_for_update(submitted.dossier_id)
    assert loaded is not None
    assert loaded[0].documents == [FORM, PAPERS, BOOK]
    plan_json = await pool.fetchval("SELECT plan::text FROM dossiers WHERE id = $1", submitted.dossier_id)
    assert BOOK.sha256 not in plan_json, "the documents are rows, not part of the plan's document"


async def test_a_dossier_already_planned_is_not_replaced_and_its_documents_never_change(pool: asyncpg.Pool) -> None:
    submitted = _submitted()
    async with transactions(pool)() as uow:
        await handlers.plan_dossier(uow, submitted)
        loaded = await uow.store.get_for_update(submitted.dossier_id)
        assert loaded is not None
        with pytest.raises(ValueError, match="already kept"):
            await uow.store.add(submitted, loaded[0])

    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="insert-only"):
        await pool.execute(
            "UPDATE dossier_documents SET name = 'changed.pdf' WHERE dossier_id = $1", submitted.dossier_id
        )
