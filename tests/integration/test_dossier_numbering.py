"""Dossier codes: one sequence per agency and day, unique under concurrent receipts."""

import asyncio
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
# 14 Aug 2025, 23:30 in Vietnam: still the 14th there although it is the 14th 16:30 UTC.
NIGHT_OF_14_AUGUST = datetime(2025, 8, 14, 16, 30, tzinfo=UTC)


def _command(receiving_agency: str = "000.00.15.H91", commune_code: str = "30742") -> handlers.SubmitDossier:
    return handlers.SubmitDossier(
        procedure_code="1.001193",
        applicant=Applicant(citizen_id="091085004321", full_name="Trần Văn Minh"),
        receiving_agency=receiving_agency,
        commune_code=commune_code,
        client_id="it",
    )


async def _receive(pool: asyncpg.Pool, command: handlers.SubmitDossier) -> str:
    async with pool.acquire() as connection, connection.transaction():
        transactions: Transactions[IntakeStore] = Transactions(
            lambda: pool, PostgresIntakeStore, "intake", "it.", clock=lambda: NIGHT_OF_14_AUGUST
        )
        uow = transactions.on(connection)
        received = await handlers.submit_dossier(uow, command, timezone=HCM)
        return received.code


async def test_thirty_concurrent_receipts_get_codes_0001_to_0030(intake_pool: asyncpg.Pool) -> None:
    codes = await asyncio.gather(*(_receive(intake_pool, _command()) for _ in range(30)))
    assert sorted(codes) == [f"000.00.15.H91-250814-{n:04d}" for n in range(1, 31)]


async def test_a_rejected_dossier_writes_no_row_and_no_event(intake_pool: asyncpg.Pool) -> None:
    async with intake_pool.acquire() as connection:
        before = [await connection.fetchval(f"SELECT count(*) FROM {t}") for t in ("dossiers", "outbox")]
    with pytest.raises(SubmissionRejectedError, match="commune_code"):
        await _receive(intake_pool, _command(commune_code="17179"))  # Nghệ An commune at an An Giang centre
    async with intake_pool.acquire() as connection:
        after = [await connection.fetchval(f"SELECT count(*) FROM {t}") for t in ("dossiers", "outbox")]
    assert after == before
