"""Benchmark of the outbox relay: rows published per second, one at a time against in batches.

    python deploy/local/bench/relay.py [--rows 5000] [--dossiers 500] [--runs 3] [--batches 1 200]

Needs Kafka and PostgreSQL (``make up``). For each run and batch size it fills an outbox of its
own schema with status changes of ``--dossiers`` dossiers, relays them to a topic of its own with
the idempotent producer, and times the passes until the outbox is empty. Batch size 1 is the relay
as it was (publish one row, await its acknowledgement, mark it); the same code runs every size, side
by side in one invocation. Nothing is asserted: it measures.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from kafka_principals import as_local_admin
from status_changes import status_changes

from shared.contracts import DossierStatusChanged
from shared.kernel import outbox
from shared.kernel.kafka_connection import kafka_connection
from shared.kernel.messaging import ensure_topics
from shared.kernel.migrations import migrate
from shared.kernel.relay import OutboxRelay
from shared.kernel.settings import CommonSettings


async def _fill(connection: asyncpg.Connection, rows: int, dossiers: int, prefix: str) -> None:
    async with connection.transaction():
        for event in status_changes(rows, dossiers):
            await outbox.enqueue(connection, event, source="bench", prefix=prefix)


async def _run(settings: CommonSettings, producer: AIOKafkaProducer, rows: int, dossiers: int, batch: int) -> float:
    schema = f"bench_relay_{uuid.uuid4().hex[:8]}"
    prefix = f"bench-{uuid.uuid4().hex[:6]}."
    with tempfile.TemporaryDirectory() as no_migrations:  # the kernel's outbox table alone
        await migrate(settings.database_url, schema, Path(no_migrations))
    await ensure_topics(settings, [prefix + "routing.dossier-status.v1"])
    connection = await asyncpg.connect(settings.database_url, server_settings={"search_path": schema})
    try:
        await _fill(connection, rows, dossiers, prefix)

        async def send(payload: dict[str, Any], topic: str, key: str, headers: dict[str, str]) -> Awaitable[Any]:
            body = DossierStatusChanged.model_validate(payload).model_dump_json().encode()
            ack: Awaitable[Any] = await producer.send(
                topic, body, key=key.encode(), headers=[(k, v.encode()) for k, v in headers.items()]
            )
            return ack

        relay = OutboxRelay(send, batch=batch)
        started = time.perf_counter()
        while await relay.relay_pending(connection):
            pass
        elapsed = time.perf_counter() - started
    finally:
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await connection.close()
        await _delete_topics(settings, [prefix + "routing.dossier-status.v1"])
    return rows / elapsed


async def _delete_topics(settings: CommonSettings, topics: list[str]) -> None:
    admin = AIOKafkaAdminClient(**kafka_connection(settings))
    await admin.start()
    try:
        await admin.delete_topics(topics)
    finally:
        await admin.close()


async def bench(rows: int, dossiers: int, runs: int, batches: list[int]) -> None:
    settings = as_local_admin(CommonSettings())
    producer = AIOKafkaProducer(**kafka_connection(settings), enable_idempotence=True)
    await producer.start()
    results: dict[int, list[float]] = {b: [] for b in batches}
    try:
        for run in range(1, runs + 1):
            for batch in batches:  # side by side: each size once per run
                rate = await _run(settings, producer, rows, dossiers, batch)
                results[batch].append(rate)
                print(f"run {run}/{runs}  batch {batch:>4}: {rows} rows in {rows / rate:6.2f} s = {rate:8.0f} rows/s")
    finally:
        await producer.stop()
    print(f"\n{rows} outbox rows over {dossiers} dossiers, {runs} runs (rows/s min / median / max):")
    for batch, rates in results.items():
        print(f"  batch {batch:>4}: {min(rates):8.0f} / {statistics.median(rates):8.0f} / {max(rates):8.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--dossiers", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 200], help="batch sizes to compare")
    args = parser.parse_args()
    asyncio.run(bench(args.rows, args.dossiers, args.runs, args.batches))


if __name__ == "__main__":
    main()
