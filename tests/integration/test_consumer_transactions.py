"""Consumed events share PostgreSQL transactions while a partition has a backlog — on the real broker and database.

The runner is the kernel's :class:`TransactionalRunner` on the kernel's consumers (``create_broker`` +
``subscribe``); each applied event writes a row with the id of the transaction it committed in. A
backlog is applied in a few transactions, each event once and in order; a transient fault, a final
failure and a crash in the middle of a transaction cost time, never an event, never a repeat.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from shared.contracts import DOSSIER_STATUS, DossierStatusChanged, dead_letter_topic
from shared.contracts.cloudevents import headers_for
from shared.kernel.consumer_transactions import HandledEvent, TransactionalRunner
from shared.kernel.consumers import subscribe
from shared.kernel.db import create_pool
from shared.kernel.inbox import first_delivery
from shared.kernel.kafka_connection import kafka_connection
from shared.kernel.messaging import ServiceBroker, create_broker, ensure_topics
from shared.kernel.migrations import migrate
from shared.kernel.offset_commits import BatchCommitConsumer
from shared.kernel.settings import CommonSettings
from shared.kernel.unit_of_work import UnitOfWork
from tests.support.events import status_changed
from tests.support.kafka import read_topic
from tests.support.waiting import eventually

Fault = Callable[[int], Awaitable[None]]
"""Called with an event's place in the backlog once its row is written, before its transaction goes on."""


@dataclass
class Place:
    """A topic and a schema of the test's own, and the events published to it in order."""

    settings: CommonSettings
    prefix: str
    topic: str
    schema: str
    admin: asyncpg.Connection
    published: list[UUID] = field(default_factory=list)

    async def publish(self, count: int) -> None:
        producer = AIOKafkaProducer(**kafka_connection(self.settings), enable_idempotence=True)
        await producer.start()
        try:
            acknowledgements = []
            for _ in range(count):
                event = status_changed()
                headers = headers_for(event, source="routing")
                self.published.append(headers.id)
                acknowledgements.append(
                    await producer.send(
                        self.topic,
                        event.model_dump_json().encode(),
                        key=b"one-dossier",  # one key: the order of application must be the order of publication
                        headers=[(k, v.encode()) for k, v in headers.as_kafka_headers().items()],
                    )
                )
            await asyncio.gather(*acknowledgements)
        finally:
            await producer.stop()

    async def rows(self) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.admin.fetch(
            f"SELECT event_id, tx FROM {self.schema}.applied ORDER BY n"
        )
        return rows


@pytest.fixture
async def place(settings: CommonSettings, tmp_path: Path) -> AsyncIterator[Place]:
    run = uuid.uuid4().hex[:6]
    prefix = f"{settings.topic_prefix}batches-{run}."
    topic = prefix + DOSSIER_STATUS.topic
    await ensure_topics(settings.model_copy(update={"topic_partitions": 1}), [topic, dead_letter_topic(topic)])
    schema = f"it_batches_{run}"
    await migrate(settings.database_url, schema, tmp_path)  # the kernel's inbox table only
    admin = await asyncpg.connect(settings.database_url)
    await admin.execute(
        f"CREATE TABLE {schema}.applied (n bigserial PRIMARY KEY, event_id uuid NOT NULL, tx bigint NOT NULL)"
    )
    yield Place(settings, prefix, topic, schema, admin)
    await admin.execute(f"DROP SCHEMA {schema} CASCADE")
    await admin.close()


async def _never_called(_uow: UnitOfWork[None], _event: DossierStatusChanged) -> None:
    raise AssertionError("the test's apply writes the row itself")


class Consumer:
    """The kernel's consumer of the place's topic with a :class:`TransactionalRunner` writing ``applied`` rows."""

    def __init__(self, place: Place, fault: Fault | None = None, *, linger: float = 0.05) -> None:
        self.place = place
        self.fault = fault
        self.linger = linger
        self.pool: asyncpg.Pool | None = None
        self.broker: ServiceBroker | None = None

    async def apply(self, connection: asyncpg.Connection, handled: HandledEvent) -> None:
        if await first_delivery(connection, handled.consumer, handled.event_id):
            await connection.execute("INSERT INTO applied (event_id, tx) VALUES ($1, txid_current())", handled.event_id)
            if self.fault is not None:
                await self.fault(self.place.published.index(handled.event_id))

    async def start(self) -> None:
        self.pool = await create_pool(self.place.settings.database_url, self.place.schema, max_size=2)
        own = self.place.settings.model_copy(update={"topic_prefix": self.place.prefix})
        broker = create_broker(own, "batch-test", None)
        assert isinstance(broker, ServiceBroker)
        pool = self.pool
        runner = TransactionalRunner(broker, lambda: pool, self.apply, max_events=100, linger_seconds=self.linger)
        subscribe(
            broker, "notification", {DOSSIER_STATUS: {DossierStatusChanged: _never_called}}, own.topic_prefix, runner
        )
        self.broker = broker
        await broker.start()

    async def stop(self) -> None:
        if self.broker is not None:
            await self.broker.stop()
        if self.pool is not None:
            await self.pool.close()

    def kafka_consumers(self) -> list[BatchCommitConsumer]:
        assert self.broker is not None
        found = [
            c
            for s in self.broker.subscribers
            for c in getattr(s, "consumer_subgroup", None) or [getattr(s, "consumer", None)]
        ]
        assert found
        assert all(isinstance(c, BatchCommitConsumer) for c in found), found
        return found


async def _applied(place: Place, count: int, timeout: float = 60.0) -> list[asyncpg.Record]:
    async def enough() -> list[asyncpg.Record] | None:
        rows = await place.rows()
        return rows if len(rows) >= count else None

    return await eventually(enough, timeout=timeout, what=f"{count} events applied")


def _assert_each_once_in_order(place: Place, rows: list[asyncpg.Record]) -> None:
    assert [row["event_id"] for row in rows] == place.published, "an event applied twice, missed or out of order"


async def _no_dead_letters(place: Place) -> None:
    assert await read_topic(place.settings, dead_letter_topic(place.topic), at_least=1, timeout=3) == []


async def test_a_backlog_is_applied_in_a_few_transactions_each_event_once_and_in_order(place: Place) -> None:
    await place.publish(300)  # before the consumer starts: a backlog
    consumer = Consumer(place)
    await consumer.start()
    try:
        rows = await _applied(place, 300)
        await asyncio.sleep(1.0)  # nothing more arrives
        rows = await place.rows()
    finally:
        await consumer.stop()
    _assert_each_once_in_order(place, rows)
    transactions = len({row["tx"] for row in rows})
    print(f"300 events in {transactions} transactions")  # a figure for the report
    assert transactions <= 30, f"{transactions} transactions for a backlog of 300 events"
    await _no_dead_letters(place)


async def test_a_consumer_that_has_caught_up_commits_each_event_at_once(place: Place) -> None:
    consumer = Consumer(place, linger=30.0)  # were it waiting for more events, the test would see nothing for 30 s
    await consumer.start()
    try:
        for count in range(1, 4):
            await place.publish(1)
            rows = await _applied(place, count, timeout=10)
    finally:
        await consumer.stop()
    _assert_each_once_in_order(place, rows)
    assert len({row["tx"] for row in rows}) == 3


async def test_a_transient_fault_in_a_shared_transaction_replays_the_events_before_it_and_dead_letters_none(
    place: Place,
) -> None:
    failed: list[int] = []

    async def connection_lost_once(index: int) -> None:
        if index == 40 and not failed:
            failed.append(index)
            raise ConnectionResetError("the database connection was reset (test)")

    await place.publish(80)
    consumer = Consumer(place, connection_lost_once)
    await consumer.start()
    try:
        await _applied(place, 80)
        await asyncio.sleep(1.0)
        rows = await place.rows()
    finally:
        await consumer.stop()
    assert failed == [40]
    _assert_each_once_in_order(place, rows)
    await _no_dead_letters(place)


async def test_a_final_failure_in_a_shared_transaction_dead_letters_that_event_alone(place: Place) -> None:
    async def refused(index: int) -> None:
        if index == 40:
            raise ValueError("a rule refuses this event (test)")

    await place.publish(80)
    consumer = Consumer(place, refused)
    await consumer.start()
    try:
        await _applied(place, 79)
        dead = await read_topic(place.settings, dead_letter_topic(place.topic), at_least=1, timeout=30)
        await asyncio.sleep(1.0)
        rows = await place.rows()
    finally:
        await consumer.stop()
    poisoned = place.published[40]
    assert [dict(record.headers).get("ce_id") for record in dead] == [str(poisoned)]
    place.published.remove(poisoned)  # its row was written and rolled back with it
    _assert_each_once_in_order(place, rows)


async def test_a_crash_inside_a_shared_transaction_repeats_nothing_and_loses_nothing(place: Place) -> None:
    reached, dead = asyncio.Event(), asyncio.Event()

    async def die_at_60(index: int) -> None:
        if index == 60:
            reached.set()
            await dead.wait()
            raise asyncio.CancelledError  # the process died here, in the middle of a transaction

    await place.publish(100)
    crashed = Consumer(place, die_at_60, linger=30.0)
    await crashed.start()
    try:
        await asyncio.wait_for(reached.wait(), 60)
    finally:
        dead.set()
    committed_before = len(await place.rows())
    for kafka_consumer in crashed.kafka_consumers():
        # As after kill -9: the connections go, what was recorded since the last commit is never sent.
        await AIOKafkaConsumer.stop(kafka_consumer)
        kafka_consumer._pending.clear()
        kafka_consumer.effects = None
    assert crashed.pool is not None
    crashed.pool.terminate()  # the open transaction is rolled back by the server
    crashed.pool = None
    await crashed.stop()
    assert committed_before < 60, "the events before the crash were not in an open transaction"

    restarted = Consumer(place)
    await restarted.start()
    try:
        await _applied(place, 100)
        await asyncio.sleep(1.0)
        rows = await place.rows()
    finally:
        await restarted.stop()
    print(f"{committed_before} of 60 events committed before the crash")  # a figure for the report
    _assert_each_once_in_order(place, rows)
    await _no_dead_letters(place)
