"""Dossier codes: one sequence per agency and day, unique under concurrent receipts, never a centre's queue.

The number is taken on a connection of its own and committed before the receipt's transaction
opens (``handlers.number_receipt``), so one receipt held open does not hold back the next one of
the same centre. Each test numbers its own day, so the tests share the schema without sharing a
counter.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from services.intake import handlers
from services.intake.adapters.postgres_store import PostgresIntakeStore
from services.intake.domain.submission import SubmissionRejectedError
from services.intake.store import IntakeStore
from shared.contracts import Applicant
from shared.kernel.unit_of_work import Transactions

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CENTRE = "000.00.15.H91"
# 14 Aug 2025, 23:30 in Vietnam: still the 14th there although it is the 14th 16:30 UTC.
NIGHT_OF_14_AUGUST = datetime(2025, 8, 14, 16, 30, tzinfo=UTC)
HELD_OPEN_DAY = datetime(2025, 8, 15, 3, 0, tzinfo=UTC)
IN_TRANSACTION_DAY = datetime(2025, 8, 18, 3, 0, tzinfo=UTC)
FAILED_RECEIPT_DAY = datetime(2025, 8, 19, 3, 0, tzinfo=UTC)
REJECTED_DAY = datetime(2025, 8, 20, 3, 0, tzinfo=UTC)
BOUNDED_WAIT_SECONDS = 5.0


def _command(receiving_agency: str = CENTRE, commune_code: str = "30742") -> handlers.SubmitDossier:
    return handlers.SubmitDossier(
        procedure_code="1.001193",
        applicant=Applicant(citizen_id="091085004321", full_name="Trần Văn Minh"),
        receiving_agency=receiving_agency,
        commune_code=commune_code,
        client_id="it",
    )


async def _number(pool: asyncpg.Pool, at: datetime) -> handlers.DossierNumber:
    async with pool.acquire() as connection:  # no transaction: committed at once, as intake's requests do
        return await handlers.number_receipt(PostgresIntakeStore(connection), CENTRE, at.astimezone(HCM).date())


@contextlib.asynccontextmanager
async def _receipt(pool: asyncpg.Pool, at: datetime) -> AsyncIterator[handlers.Work]:
    async with pool.acquire() as connection, connection.transaction():
        transactions: Transactions[IntakeStore] = Transactions(
            lambda: pool, PostgresIntakeStore, "intake", "it.", clock=lambda: at
        )
        yield transactions.on(connection)


async def _receive(
    pool: asyncpg.Pool,
    command: handlers.SubmitDossier,
    at: datetime = NIGHT_OF_14_AUGUST,
    *,
    stored: asyncio.Event | None = None,
    release: asyncio.Event | None = None,
) -> str:
    """Number and store one dossier; with ``release``, keep its transaction open (after ``stored``) until set."""
    number = await _number(pool, at)
    async with _receipt(pool, at) as uow:
        received = await handlers.submit_dossier(uow, command, number, timezone=HCM)
        if stored is not None and release is not None:
            stored.set()
            await release.wait()
        return received.code


async def _stored(pool: asyncpg.Pool, code: str) -> bool:
    async with pool.acquire() as connection:
        return bool(await connection.fetchval("SELECT count(*) FROM dossiers WHERE code = $1", code))


async def test_thirty_concurrent_receipts_get_codes_0001_to_0030(intake_pool: asyncpg.Pool) -> None:
    codes = await asyncio.gather(*(_receive(intake_pool, _command()) for _ in range(30)))
    assert sorted(codes) == [f"{CENTRE}-250814-{n:04d}" for n in range(1, 31)]


async def test_a_receipt_held_open_does_not_stop_the_next_of_its_centre(intake_pool: asyncpg.Pool) -> None:
    stored, release = asyncio.Event(), asyncio.Event()
    slow = asyncio.create_task(_receive(intake_pool, _command(), HELD_OPEN_DAY, stored=stored, release=release))
    try:
        await asyncio.wait_for(stored.wait(), BOUNDED_WAIT_SECONDS)
        # The slow receipt's dossier, fees, journal and outbox rows are written, its transaction open.
        quick = await asyncio.wait_for(_receive(intake_pool, _command(), HELD_OPEN_DAY), BOUNDED_WAIT_SECONDS)
        assert not slow.done()
        assert await _stored(intake_pool, quick)
    finally:
        release.set()
    held = await slow
    assert (held, quick) == (f"{CENTRE}-250815-0001", f"{CENTRE}-250815-0002")
    assert await _stored(intake_pool, held)


async def test_numbered_inside_the_receipt_as_it_was_the_next_receipt_waits(intake_pool: asyncpg.Pool) -> None:
    """The control: the same two receipts with the number taken in the held transaction queue on its row."""
    day = IN_TRANSACTION_DAY.astimezone(HCM).date()
    async with _receipt(intake_pool, IN_TRANSACTION_DAY) as held:
        await handlers.number_receipt(held.store, CENTRE, day)
        waiting = asyncio.create_task(_receive(intake_pool, _command(), IN_TRANSACTION_DAY))
        await asyncio.sleep(1.0)
        assert not waiting.done(), "the counter's row is locked until the held transaction ends"
    assert (await asyncio.wait_for(waiting, BOUNDED_WAIT_SECONDS)).endswith("-250818-0002")


async def test_a_failed_receipt_leaves_a_gap_and_stores_nothing(intake_pool: asyncpg.Pool) -> None:
    number = await _number(intake_pool, FAILED_RECEIPT_DAY)
    failed: list[str] = []

    async def fail_after_storing() -> None:
        async with _receipt(intake_pool, FAILED_RECEIPT_DAY) as uow:
            failed.append((await handlers.submit_dossier(uow, _command(), number, timezone=HCM)).code)
            raise RuntimeError("the receipt fails after storing its dossier")

    with pytest.raises(RuntimeError, match="after storing"):
        await fail_after_storing()
    assert failed == [f"{CENTRE}-250819-0001"]
    assert not await _stored(intake_pool, failed[0])
    assert await _receive(intake_pool, _command(), FAILED_RECEIPT_DAY) == f"{CENTRE}-250819-0002"


async def test_a_rejected_dossier_writes_no_row_and_no_event(intake_pool: asyncpg.Pool) -> None:
    async with intake_pool.acquire() as connection:
        before = [await connection.fetchval(f"SELECT count(*) FROM {t}") for t in ("dossiers", "outbox")]
    with pytest.raises(SubmissionRejectedError, match="commune_code"):
        # A Nghệ An commune at an An Giang centre.
        await _receive(intake_pool, _command(commune_code="17179"), REJECTED_DAY)
    async with intake_pool.acquire() as connection:
        after = [await connection.fetchval(f"SELECT count(*) FROM {t}") for t in ("dossiers", "outbox")]
    assert after == before
