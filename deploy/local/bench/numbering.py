"""Benchmark of dossier numbering: receipts of one centre per second, numbered inside the receipt or before it.

    python deploy/local/bench/numbering.py [--receipts 600] [--concurrency 16] [--runs 3]

Needs PostgreSQL (``make up``). Each run migrates intake's tables into a schema of its own and
receives ``--receipts`` dossiers at one receiving centre, ``--concurrency`` at a time, on a pool of
10 connections like intake's, through intake's own use case (``handlers.submit_dossier``: dossier,
fees, history, journal entry, outbox row). Side by side, once per run each: the number taken
inside the receipt's transaction (as intake did: the centre's counter row stays locked until the
receipt commits) and taken before it on a connection of its own, committed at once (as intake
does). Nothing is asserted: it measures.
"""

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg

from services.intake import handlers
from services.intake.adapters.postgres_store import PostgresIntakeStore
from services.intake.store import IntakeStore
from shared.contracts import Applicant
from shared.kernel.db import create_pool
from shared.kernel.migrations import migrate
from shared.kernel.settings import CommonSettings
from shared.kernel.unit_of_work import Transactions

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CENTRE = "000.00.15.H91"
MIGRATIONS = Path(__file__).resolve().parents[3] / "services" / "intake" / "migrations"
COMMAND = handlers.SubmitDossier(
    procedure_code="1.001193",
    applicant=Applicant(citizen_id="091085004321", full_name="Trần Văn Minh"),
    receiving_agency=CENTRE,
    commune_code="30742",
    client_id="bench",
)
MODES = ("inside", "before")
"""Where the number is taken: inside the receipt's transaction (as it was), or before it (as it is)."""


async def _receipt(pool: asyncpg.Pool, transactions: Transactions[IntakeStore], mode: str) -> float:
    started = time.perf_counter()
    day = transactions.clock().astimezone(HCM).date()
    number = None
    if mode == "before":
        async with pool.acquire() as connection:
            number = await handlers.number_receipt(PostgresIntakeStore(connection), CENTRE, day)
    async with pool.acquire() as connection, connection.transaction():
        uow = transactions.on(connection)
        if number is None:
            number = await handlers.number_receipt(uow.store, CENTRE, day)
        await handlers.submit_dossier(uow, COMMAND, number, timezone=HCM)
    return time.perf_counter() - started


async def _run(pool: asyncpg.Pool, mode: str, day: datetime, receipts: int, concurrency: int) -> tuple[float, float]:
    """Receipts per second and the median seconds of one receipt."""
    transactions: Transactions[IntakeStore] = Transactions(
        lambda: pool, PostgresIntakeStore, "intake", "bench.", clock=lambda: day
    )
    left = iter(range(receipts))
    took: list[float] = []

    async def worker() -> None:
        for _ in left:
            took.append(await _receipt(pool, transactions, mode))

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return receipts / (time.perf_counter() - started), statistics.median(took)


async def bench(receipts: int, concurrency: int, runs: int) -> None:
    settings = CommonSettings()
    schema = f"bench_numbering_{uuid.uuid4().hex[:8]}"
    await migrate(settings.database_url, schema, MIGRATIONS)
    pool = await create_pool(settings.database_url, schema, max_size=10)
    results: dict[str, list[tuple[float, float]]] = {m: [] for m in MODES}
    first_day = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
    try:
        for run in range(runs):
            for n, mode in enumerate(MODES):  # side by side: each once per run, each on a day of its own
                day = first_day + timedelta(days=run * len(MODES) + n)
                rate, median = await _run(pool, mode, day, receipts, concurrency)
                results[mode].append((rate, median))
                print(
                    f"run {run + 1}/{runs}  numbered {mode:<6}: {rate:7.1f} receipts/s, median {median * 1000:6.1f} ms"
                )
    finally:
        await pool.close()
        connection = await asyncpg.connect(settings.database_url)
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await connection.close()
    print(
        f"\n{receipts} receipts at one centre, {concurrency} at a time, pool of 10, {runs} runs (min / median / max):"
    )
    for mode, figures in results.items():
        rates, medians = [f[0] for f in figures], [f[1] * 1000 for f in figures]
        print(
            f"  numbered {mode:<6}: {min(rates):7.1f} / {statistics.median(rates):7.1f} / {max(rates):7.1f} receipts/s;"
            f" median receipt {min(medians):.1f} / {statistics.median(medians):.1f} / {max(medians):.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--receipts", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(bench(args.receipts, args.concurrency, args.runs))


if __name__ == "__main__":
    main()
