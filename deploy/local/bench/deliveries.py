"""Benchmark of the notification's delivery worker: planned SMS and portal records sent to the stand-ins.

    python deploy/local/bench/deliveries.py [--dossiers 500] [--workers 1] [--batch 20]

Needs PostgreSQL (``make up``); starts the stand-ins itself on free ports. Plans every status of
each dossier as the consumer would (an SMS and a portal record per status change), in a schema of
its own, then runs the workers until all are delivered and prints the throughput. Nothing here is
asserted: it measures.
"""

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from opentelemetry.trace import NoOpTracer
from prometheus_client import CollectorRegistry
from standins.ports import DEFAULT_PORTS, free_port
from standins.process import StandinServers

from services.notification import handlers
from services.notification.adapters.postgres_store import PostgresNotificationStore
from services.notification.channels.configured import configured_senders
from services.notification.delivery.metrics import DeliveryMetrics
from services.notification.delivery.worker import DeliveryWorker
from services.notification.settings import NotificationSettings
from services.notification.store import NotificationStore
from shared.contracts import Applicant, DossierStatus, DossierStatusChanged
from shared.kernel.db import create_pool
from shared.kernel.migrations import migrate
from shared.kernel.retry import RetryPolicy
from shared.kernel.unit_of_work import RecordingOutbox, Transactions, UnitOfWork

MIGRATIONS = Path(__file__).resolve().parents[3] / "services" / "notification" / "migrations"
STATUSES = (DossierStatus.RECEIVING, DossierStatus.PROCESSING, DossierStatus.DONE)


async def _plan(pool: asyncpg.Pool, dossiers: int, senders: frozenset[str]) -> int:
    applicant = Applicant(citizen_id="040301000123", full_name="Hồ Thị Lan", phone="0912345678", channels=["sms"])
    async with pool.acquire() as connection:
        for n in range(dossiers):
            dossier_id, previous = uuid.uuid4(), None
            for status in STATUSES:
                event = DossierStatusChanged(
                    dossier_id=dossier_id,
                    dossier_code=f"000.01.15.H40-261201-{n:04d}",
                    status=status,
                    previous_status=previous,
                    procedure_code="1.001193",
                    applicant=applicant,
                    received_at=datetime.now(UTC),
                    due_at=datetime.now(UTC),
                    changed_at=datetime.now(UTC),
                )
                async with connection.transaction():
                    uow: UnitOfWork[NotificationStore] = UnitOfWork(
                        PostgresNotificationStore(connection), RecordingOutbox(), datetime.now(UTC), cause=uuid.uuid4()
                    )
                    await handlers.plan_deliveries(uow, event, senders=senders)
                previous = status
        return int(await connection.fetchval("SELECT count(*) FROM deliveries"))


async def bench(dossiers: int, workers: int, batch: int, database_url: str) -> None:
    run_dir = Path(tempfile.mkdtemp(prefix="bench-standins-"))
    standins = StandinServers(run_dir, ports={name: free_port() for name in DEFAULT_PORTS})
    standins.start()
    schema = f"bench_notification_{uuid.uuid4().hex[:8]}"
    try:
        standins.wait_ready()
        os.environ.update(standins.service_env())
        senders = configured_senders(NotificationSettings())
        await migrate(database_url, schema, MIGRATIONS)
        pool = await create_pool(database_url, schema, max_size=4 + 2 * workers)
        started = time.perf_counter()
        planned = await _plan(pool, dossiers, frozenset({"sms", "portal"}))
        planning = time.perf_counter() - started
        print(f"planned {planned} deliveries for {dossiers} dossiers in {planning:.1f} s ({planned / planning:.0f}/s)")
        pool_workers = [
            DeliveryWorker(
                Transactions[NotificationStore](lambda: pool, PostgresNotificationStore, "notification", ""),
                senders,
                RetryPolicy(1.0, 10.0, attempts=6),
                DeliveryMetrics(CollectorRegistry()),
                tracer=NoOpTracer(),
                batch=batch,
                lease_seconds=60,
                send_timeout_seconds=10,
            )
            for _ in range(workers)
        ]
        started = time.perf_counter()
        while True:
            claimed = await asyncio.gather(*(w.deliver_due() for w in pool_workers))
            if not any(claimed):
                async with pool.acquire() as connection:
                    if not await connection.fetchval("SELECT count(*) FROM deliveries WHERE state <> 'delivered'"):
                        break
        sending = time.perf_counter() - started
        print(
            f"delivered {planned} in {sending:.1f} s: {planned / sending:.0f} deliveries/s"
            f" ({workers} worker(s), batch {batch}, SMS gateway and portal stand-ins over HTTP on 127.0.0.1)"
        )
        print(f"SMS gateway received {len(standins.received('sms'))}, portal {len(standins.received('portal'))}")
        await pool.close()
    finally:
        standins.stop()
        connection = await asyncpg.connect(database_url)
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=500)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--batch", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(bench(args.dossiers, args.workers, args.batch, NotificationSettings().database_url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
