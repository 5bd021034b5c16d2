"""Benchmark of the kernel's consumers: events handled per second, offsets committed after each or in batches.

    python deploy/local/bench/consumer.py [--messages 3000] [--runs 3] [--commit-every 1 100] [--json FILE]

Needs Kafka and PostgreSQL (``make up``). Each run produces ``--messages`` DossierStatusChanged
events (CloudEvents headers, keys spread over ``--dossiers`` dossier ids) to a 6-partition topic
of its own, then consumes them the way a service does: the kernel's broker (``create_broker``, a
``ServiceBroker`` with its dead-letter and tracing middlewares and the application
``FastStream(broker)`` built on it, as the runtime does) and ``subscribe`` with one consumer per
partition, each event handled as ``ServiceRuntime.handle_once`` handles it (a pooled connection,
one transaction holding its inbox row and its handler's effect, here one row of a table of its
own) in a PostgreSQL schema of its own holding the kernel's tables. The time runs from the
broker's start to the last event handled; a fresh topic prefix per run gives a fresh consumer
group. Side by side, once per run each: every ``--commit-every`` value
(``LIENTHONG_KAFKA_COMMIT_EVERY``; 1 commits each message's offset as the consumers did before).
Each run checks that every event was applied exactly once. Nothing is asserted: it measures.
"""

import argparse
import asyncio
import json
import logging
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
from aiokafka import AIOKafkaProducer
from bare_pipeline import delete_topics
from faststream import FastStream
from figures import cpu_seconds, load_average, machine
from kafka_principals import as_local_admin
from status_changes import status_changes

from shared.contracts import DOSSIER_STATUS, DossierStatusChanged
from shared.contracts.cloudevents import headers_for
from shared.kernel.consumers import Handler, consumer_name, subscribe
from shared.kernel.db import create_pool
from shared.kernel.inbox import first_delivery
from shared.kernel.kafka_connection import kafka_connection
from shared.kernel.messaging import create_broker, ensure_topics
from shared.kernel.migrations import migrate
from shared.kernel.settings import CommonSettings
from shared.kernel.unit_of_work import Transactions, UnitOfWork

PARTITIONS = 6
SERVICE = "intake"
"""A consumer of DOSSIER_STATUS: the group and inbox key are the ones intake's would have, under the run's prefix."""
PROGRESS_SECONDS = 3.0
EFFECTS = "CREATE TABLE bench_effects (event_id uuid NOT NULL, dossier_id uuid NOT NULL, status text NOT NULL)"


@dataclass(frozen=True)
class Run:
    commit_every: int
    seconds: float
    """From the broker's start (joining the group included) to the last event handled."""
    handling_seconds: float
    """From the first event handled to the last."""
    cpu_seconds: float
    """This process's CPU time over the same span (the consumers, the handlers and asyncpg; not PostgreSQL's)."""
    handled: int
    effect_rows: int
    distinct_events: int
    inbox_rows: int

    @property
    def rate(self) -> float:
        return self.handled / self.seconds

    @property
    def handling_rate(self) -> float:
        return (self.handled - 1) / self.handling_seconds if self.handling_seconds else 0.0

    @property
    def cpu_ms_per_event(self) -> float:
        return 1000 * self.cpu_seconds / self.handled

    @property
    def exactly_once(self) -> bool:
        return self.effect_rows == self.distinct_events == self.inbox_rows == self.handled


class Runner:
    """What ``ServiceRuntime.handle_once`` does, on the bench's pool, counting the events applied."""

    def __init__(self, pool: asyncpg.Pool, transactions: Transactions[asyncpg.Connection], expected: int) -> None:
        self.pool = pool
        self.transactions = transactions
        self.expected = expected
        self.applied = 0
        self.first: float | None = None
        self.done = asyncio.Event()

    async def handle_once(self, consumer: str, event_id: UUID, event: Any, handler: Handler) -> None:
        async with self.pool.acquire() as connection, connection.transaction():
            if await first_delivery(connection, consumer, event_id):
                await handler(self.transactions.on(connection, cause=event_id), event)
        self.applied += 1  # after the commit: an event counts once its transaction holds
        if self.first is None:
            self.first = time.perf_counter()
        if self.applied >= self.expected:
            self.done.set()


async def apply_status(uow: UnitOfWork[asyncpg.Connection], event: DossierStatusChanged) -> None:
    """The handler: one effect row per event."""
    await uow.store.execute(
        "INSERT INTO bench_effects (event_id, dossier_id, status) VALUES ($1, $2, $3)",
        uow.cause,
        event.dossier_id,
        event.status.value,
    )


async def _produce(producer: AIOKafkaProducer, topic: str, messages: int, dossiers: int) -> None:
    acks: list[Awaitable[Any]] = []
    for event in status_changes(messages, dossiers):
        headers = headers_for(event, source="routing").as_kafka_headers()
        acks.append(
            await producer.send(
                topic,
                event.model_dump_json().encode(),
                key=str(event.dossier_id).encode(),
                headers=[(k, v.encode()) for k, v in headers.items()],
            )
        )
    await asyncio.gather(*acks)


async def _progress(runner: Runner, label: str, started: float) -> None:
    while True:
        await asyncio.sleep(PROGRESS_SECONDS)
        elapsed = time.perf_counter() - started
        print(f"  {label}: {runner.applied}/{runner.expected} handled in {elapsed:5.1f} s", flush=True)


async def _consume(
    settings: CommonSettings, pool: asyncpg.Pool, prefix: str, expected: int, label: str
) -> tuple[float, float, float]:
    """Seconds from the broker's start to ``expected`` events handled, from the first handled to the last, and
    this process's CPU seconds meanwhile."""
    transactions: Transactions[asyncpg.Connection] = Transactions(lambda: pool, lambda c: c, "bench", prefix)
    runner = Runner(pool, transactions, expected)
    broker = create_broker(settings, SERVICE, None)
    subscribe(
        broker, SERVICE, {DOSSIER_STATUS: {DossierStatusChanged: apply_status}}, prefix, runner, workers=PARTITIONS
    )
    FastStream(broker)  # as the runtime builds it: the application replaces the broker's context
    started, cpu = time.perf_counter(), cpu_seconds(os.getpid())
    progress = asyncio.create_task(_progress(runner, label, started))
    try:
        await broker.start()
        try:
            await asyncio.wait_for(runner.done.wait(), timeout=max(120.0, expected / 10))
        except TimeoutError:
            raise RuntimeError(f"{label}: only {runner.applied} of {expected} events handled") from None
        finished = time.perf_counter()
        assert runner.first is not None
        return finished - started, finished - runner.first, (cpu_seconds(os.getpid()) or 0.0) - (cpu or 0.0)
    finally:
        progress.cancel()
        await broker.stop()


async def _run(
    settings: CommonSettings, producer: AIOKafkaProducer, schema: str, args: argparse.Namespace, every: int, label: str
) -> Run:
    prefix = f"bench-{uuid.uuid4().hex[:6]}."
    topic = prefix + DOSSIER_STATUS.topic
    await ensure_topics(settings, [topic])
    pool = await create_pool(settings.database_url, schema)  # a service's pool: 10 connections
    try:
        await pool.execute("TRUNCATE inbox, bench_effects")
        await _produce(producer, topic, args.messages, args.dossiers)
        run_settings = settings.model_copy(update={"topic_prefix": prefix, "kafka_commit_every": every})
        seconds, handling, cpu = await _consume(run_settings, pool, prefix, args.messages, label)
        effects = await pool.fetchrow("SELECT count(*) AS rows, count(DISTINCT event_id) AS events FROM bench_effects")
        inbox = await pool.fetchval(
            "SELECT count(*) FROM inbox WHERE consumer = $1", consumer_name(SERVICE, DOSSIER_STATUS)
        )
    finally:
        await pool.close()
        await delete_topics(settings, lambda name: name == topic)
    assert effects is not None
    return Run(every, seconds, handling, cpu, args.messages, effects["rows"], effects["events"], inbox)


async def bench(args: argparse.Namespace) -> list[Run]:
    settings = as_local_admin(CommonSettings(topic_partitions=PARTITIONS, instance_id="bench"))
    schema = f"bench_consumer_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as no_migrations:  # the kernel's inbox table alone
        await migrate(settings.database_url, schema, Path(no_migrations))
    connection = await asyncpg.connect(settings.database_url, server_settings={"search_path": schema})
    producer = AIOKafkaProducer(**kafka_connection(settings), enable_idempotence=True, linger_ms=5)
    await producer.start()
    runs: list[Run] = []
    try:
        await connection.execute(EFFECTS)
        for n in range(1, args.runs + 1):
            for every in args.commit_every:  # side by side: each value once per run
                label = f"run {n}/{args.runs}  commit every {every:>4}"
                run = await _run(settings, producer, schema, args, every, label)
                runs.append(run)
                print(
                    f"{label}: {run.handled} events in {run.seconds:6.2f} s = {run.rate:7.0f} events/s"
                    f" ({run.handling_rate:.0f}/s from the first handled), {run.cpu_ms_per_event:.2f} ms CPU each;"
                    f" effect rows {run.effect_rows}, distinct events {run.distinct_events}, inbox rows"
                    f" {run.inbox_rows}: {'each applied once' if run.exactly_once else 'NOT EXACTLY ONCE'}",
                    flush=True,
                )
    finally:
        await producer.stop()
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await connection.close()
    return runs


def _summary(runs: list[Run], args: argparse.Namespace) -> str:
    lines = [
        f"\n{args.messages} events over {args.dossiers} dossiers, {PARTITIONS} partitions and consumers,"
        f" {args.runs} runs (events/s min / median / max):"
    ]
    for every in args.commit_every:
        mine = [r for r in runs if r.commit_every == every]
        once = all(r.exactly_once for r in mine)
        lines.append(
            f"  commit every {every:>4}: {_spread([r.rate for r in mine])} from the broker's start,"
            f" {_spread([r.handling_rate for r in mine])} from the first event handled;"
            f" {_spread([r.cpu_ms_per_event for r in mine], 2)} ms of this process's CPU per event"
            f" ({'every event applied exactly once' if once else 'NOT every event applied exactly once'})"
        )
    return "\n".join(lines)


def _spread(values: list[float], digits: int = 0) -> str:
    return f"{min(values):.{digits}f} / {statistics.median(values):.{digits}f} / {max(values):.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--dossiers", type=int, default=300, help="distinct dossier ids (message keys)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--commit-every", type=int, nargs="+", default=[1, 100], help="handled messages per offset commit to compare"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    # FastStream's broker sets its logger's level when it starts: a filter keeps the progress readable,
    # without a line per consumer assigned and per task stopped.
    logging.getLogger("faststream.access.kafka").addFilter(lambda record: record.levelno >= logging.WARNING)
    load_before = load_average()
    print(f"load average before: {load_before}", flush=True)
    runs = asyncio.run(bench(args))
    load_after = load_average()
    print(_summary(runs, args))
    print(f"load average after: {load_after} ({os.cpu_count()} CPUs)")
    if args.json:
        figures = {
            "taken_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(load_before, load_after),
            "parameters": {k: v for k, v in vars(args).items() if k != "json"},
            "runs": [
                asdict(r)
                | {
                    "events_per_second": r.rate,
                    "events_per_second_from_first": r.handling_rate,
                    "cpu_ms_per_event": r.cpu_ms_per_event,
                    "exactly_once": r.exactly_once,
                }
                for r in runs
            ],
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
