"""Offsets committed in batches on the real broker: never past a message not handled, never lost on a rebalance,
and a crash between two commits redelivers only what the inbox then skips."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from uuid import UUID

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.contracts import DOSSIER_STATUS, DossierStatusChanged, Event
from shared.contracts.cloudevents import headers_for
from shared.kernel.consumers import Handler, consumer_group, subscribe
from shared.kernel.inbox import first_delivery
from shared.kernel.kafka_connection import broker_security
from shared.kernel.messaging import OffsetCommits, ServiceBroker, ensure_topics
from shared.kernel.offset_commits import BatchCommitConsumer
from shared.kernel.settings import CommonSettings
from shared.kernel.unit_of_work import UnitOfWork
from tests.support.events import status_changed
from tests.support.kafka import committed_offset, publish_raw

LONG = 60.0
"""An interval no test waits for: only the count, a rebalance or a stop commits."""


class CountingRunner:
    """Runs each event once per inbox row on the real PostgreSQL, counting the events applied."""

    def __init__(self, pool: asyncpg.Pool | None = None) -> None:
        self.pool = pool
        self.seen: list[UUID] = []
        self.applied: list[UUID] = []
        self.arrived = asyncio.Event()

    async def handle_once(self, consumer: str, event_id: UUID, event: Event, handler: Handler) -> None:
        self.seen.append(event_id)
        if self.pool is None:
            self.applied.append(event_id)
        else:
            async with self.pool.acquire() as connection, connection.transaction():
                if await first_delivery(connection, consumer, event_id):
                    self.applied.append(event_id)
        self.arrived.set()

    async def until(self, count: Callable[[], int], at_least: int, timeout: float = 30.0) -> None:
        async with asyncio.timeout(timeout):
            while count() < at_least:
                self.arrived.clear()
                await self.arrived.wait()


async def _unused(_uow: UnitOfWork[None], _event: DossierStatusChanged) -> None:
    raise AssertionError("the runner applies the event")


@pytest.fixture
async def topic(settings: CommonSettings) -> tuple[str, str]:
    prefix = f"{settings.topic_prefix}commits-{uuid.uuid4().hex[:6]}."
    name = prefix + DOSSIER_STATUS.topic
    await ensure_topics(settings.model_copy(update={"topic_partitions": 1}), [name])
    return prefix, name


def _broker(settings: CommonSettings, prefix: str, runner: CountingRunner, every: int) -> ServiceBroker:
    broker = ServiceBroker(
        None,
        OffsetCommits(commit_every=every, commit_interval_seconds=LONG),
        settings.kafka_bootstrap_servers,
        security=broker_security(settings),
    )
    subscribe(broker, "intake", {DOSSIER_STATUS: {DossierStatusChanged: _unused}}, prefix, runner)
    return broker


async def _publish(settings: CommonSettings, topic: str, count: int) -> None:
    for _ in range(count):
        event = status_changed()
        headers = headers_for(event, source="routing").as_kafka_headers()
        await publish_raw(settings, topic, event.model_dump_json().encode(), key=b"k", headers=headers)


def _consumers(broker: ServiceBroker) -> list[BatchCommitConsumer]:
    found = [
        c for s in broker.subscribers for c in getattr(s, "consumer_subgroup", None) or [getattr(s, "consumer", None)]
    ]
    assert found
    assert all(isinstance(c, BatchCommitConsumer) for c in found), found
    return found


async def _eventually(read: Callable[[], Awaitable[int | None]], expected: int, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while (found := await read()) != expected:
            await asyncio.sleep(0.1)
    assert found == expected


async def test_offsets_are_committed_every_n_handled_messages_and_when_the_consumer_stops(
    settings: CommonSettings, topic: tuple[str, str]
) -> None:
    prefix, name = topic
    group = consumer_group("intake", DOSSIER_STATUS, prefix)
    runner = CountingRunner()
    broker = _broker(settings, prefix, runner, every=3)
    await broker.start()
    stopped = False
    try:
        await _publish(settings, name, 2)
        await runner.until(lambda: len(runner.seen), 2)
        await asyncio.sleep(1.0)
        assert await committed_offset(settings, group, name) is None, "committed before the batch was full"
        await _publish(settings, name, 2)
        await runner.until(lambda: len(runner.seen), 4)
        await _eventually(lambda: committed_offset(settings, group, name), 3)
        assert [c.pending for c in _consumers(broker) if c.pending] == [{TopicPartition(name, 0): 4}]
        await broker.stop()
        stopped = True
        assert await committed_offset(settings, group, name) == 4, (
            "the fourth message's offset was not committed at stop"
        )
    finally:
        if not stopped:
            await broker.stop()


async def test_a_rebalance_commits_what_was_handled_before_the_partition_moves(
    settings: CommonSettings, topic: tuple[str, str]
) -> None:
    prefix, name = topic
    group = consumer_group("intake", DOSSIER_STATUS, prefix)
    first, second = CountingRunner(), CountingRunner()
    one = _broker(settings, prefix, first, every=100)
    other = _broker(settings, prefix, second, every=100)
    await one.start()
    try:
        await _publish(settings, name, 5)
        await first.until(lambda: len(first.seen), 5)
        assert await committed_offset(settings, group, name) is None
        await other.start()  # joins the group: the partition is revoked from one of them, which commits first
        await _eventually(lambda: committed_offset(settings, group, name), 5, timeout=40)
        assert second.seen == [], "messages handled by the first member were delivered again"
    finally:
        await other.stop()
        await one.stop()


async def test_a_crash_between_commits_redelivers_only_what_the_inbox_skips(
    settings: CommonSettings, topic: tuple[str, str], intake_pool: asyncpg.Pool
) -> None:
    prefix, name = topic
    group = consumer_group("intake", DOSSIER_STATUS, prefix)
    before = CountingRunner(intake_pool)
    crashed = _broker(settings, prefix, before, every=5)
    await crashed.start()
    await _publish(settings, name, 7)
    await before.until(lambda: len(before.applied), 7)
    await _eventually(lambda: committed_offset(settings, group, name), 5)
    for consumer in _consumers(crashed):
        # As after kill -9: the connection goes, the two positions recorded since the last commit are never sent.
        await AIOKafkaConsumer.stop(consumer)
        consumer._pending.clear()  # and the process's memory with them
    await crashed.stop()
    assert await committed_offset(settings, group, name) == 5

    after = CountingRunner(intake_pool)
    restarted = _broker(settings, prefix, after, every=5)
    await restarted.start()
    try:
        await _publish(settings, name, 1)
        await after.until(lambda: len(after.seen), 3)
        assert after.seen[:2] == before.applied[5:], "the two uncommitted messages were not delivered again"
        assert after.applied == after.seen[2:], "a redelivered message was applied twice"
        assert len(set(before.applied) | set(after.applied)) == 8
    finally:
        await restarted.stop()
