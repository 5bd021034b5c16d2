"""A dossier whose handler waits on a lock holds back only its own partition, not the whole stream.

The kernel runs one consumer of a stream's group per partition (``consumers_per_stream``), so
on the real Kafka and PostgreSQL: one dossier's handler blocks on a row lock another
transaction holds, and the events of dossiers on the other partitions are handled meanwhile.
"""

import time
import uuid
from uuid import UUID

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from faststream.kafka import KafkaBroker

from shared.contracts import DOSSIER_STATUS, DossierStatusChanged, Event
from shared.contracts.cloudevents import headers_for
from shared.kernel.consumers import Handler, subscribe
from shared.kernel.kafka_connection import broker_security, kafka_connection
from shared.kernel.messaging import ensure_topics
from shared.kernel.settings import CommonSettings
from shared.kernel.unit_of_work import UnitOfWork
from tests.support.events import status_changed
from tests.support.waiting import eventually

PARTITIONS = 6
OTHERS = 12


def _partition(key: bytes) -> int:
    return int(DefaultPartitioner()(key, list(range(PARTITIONS)), list(range(PARTITIONS))))


def _dossiers_on_other_partitions(blocked: UUID) -> list[UUID]:
    taken = _partition(str(blocked).encode())
    found: list[UUID] = []
    while len(found) < OTHERS:
        candidate = uuid.uuid4()
        if _partition(str(candidate).encode()) != taken:
            found.append(candidate)
    return found


async def test_a_dossier_waiting_on_a_row_lock_holds_back_only_its_own_partition(settings: CommonSettings) -> None:
    prefix = f"{settings.topic_prefix}hol-{uuid.uuid4().hex[:6]}."
    topic = prefix + DOSSIER_STATUS.topic
    await ensure_topics(settings.model_copy(update={"topic_partitions": PARTITIONS}), [topic])
    pool = await asyncpg.create_pool(settings.database_url, min_size=2, max_size=PARTITIONS + 2)
    assert pool is not None
    handled: dict[UUID, float] = {}

    class LockingRunner:
        """Each event takes its dossier's row lock in a real transaction, as routing's plan row does."""

        async def handle_once(self, consumer: str, event_id: UUID, event: Event, handler: Handler) -> None:
            async with pool.acquire() as connection, connection.transaction():
                await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", str(event.dossier_id))
                handled[event.dossier_id] = time.monotonic()

    async def unused(_uow: UnitOfWork[None], _event: DossierStatusChanged) -> None:
        raise AssertionError("the runner handles the event")

    blocked_id = uuid.uuid4()
    others = _dossiers_on_other_partitions(blocked_id)
    holder = await pool.acquire()
    transaction = holder.transaction()
    await transaction.start()
    await holder.execute("SELECT pg_advisory_xact_lock(hashtext($1))", str(blocked_id))

    broker = KafkaBroker(settings.kafka_bootstrap_servers, security=broker_security(settings))
    runner = LockingRunner()
    subscribe(broker, "intake", {DOSSIER_STATUS: {DossierStatusChanged: unused}}, prefix, runner, workers=PARTITIONS)
    producer = AIOKafkaProducer(**kafka_connection(settings), enable_idempotence=True)
    await broker.start()
    await producer.start()
    try:
        events = [status_changed().model_copy(update={"dossier_id": d}) for d in [blocked_id, *others]]
        sent = time.monotonic()
        for event in events:
            headers = [(k, v.encode()) for k, v in headers_for(event, source="routing").as_kafka_headers().items()]
            await producer.send_and_wait(
                topic, event.model_dump_json().encode(), key=str(event.dossier_id).encode(), headers=headers
            )

        async def others_handled() -> bool:
            return all(d in handled for d in others)

        await eventually(others_handled, timeout=60, what="the dossiers on the other partitions handled")
        others_done = max(handled[d] for d in others) - sent
        assert blocked_id not in handled, "the locked dossier waits for its lock"
        await transaction.rollback()

        async def blocked_handled() -> bool:
            return blocked_id in handled

        await eventually(blocked_handled, timeout=30, what="the locked dossier handled once its lock is free")
    finally:
        await pool.release(holder)
        await producer.stop()
        await broker.stop()
        await pool.close()

    print(f"{OTHERS} dossiers on other partitions handled within {others_done:.2f} s while one waited on its lock")
