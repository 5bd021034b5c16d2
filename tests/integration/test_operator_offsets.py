"""Lag, topic sizes and outbox backlog as the metrics and the CLI read them, on the real Kafka and PostgreSQL."""

import uuid
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import OffsetAndMetadata

from shared.kernel.kafka_connection import kafka_connection
from shared.kernel.migrations import migrate
from shared.kernel.settings import CommonSettings
from shared.observability.kafka_offsets import KafkaOffsets
from shared.observability.outbox_status import outbox_backlog


async def _topic_with(settings: CommonSettings, per_partition: list[int]) -> str:
    topic = f"{settings.topic_prefix}it.offsets.{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(**kafka_connection(settings))
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, len(per_partition), 1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(**kafka_connection(settings))
    await producer.start()
    try:
        for partition, count in enumerate(per_partition):
            for n in range(count):
                await producer.send_and_wait(topic, f"m{n}".encode(), partition=partition)
    finally:
        await producer.stop()
    return topic


async def _commit(settings: CommonSettings, group: str, offsets: dict[TopicPartition, int]) -> None:
    consumer = AIOKafkaConsumer(**kafka_connection(settings), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in offsets.items()})
    finally:
        await consumer.stop()


async def test_lag_counts_from_the_committed_offset_or_from_the_log_start(settings: CommonSettings) -> None:
    topic = await _topic_with(settings, [3, 2])
    group = f"lienthong.it.{uuid.uuid4().hex[:8]}"
    await _commit(settings, group, {TopicPartition(topic, 0): 1})

    async with KafkaOffsets(kafka_connection(settings)) as offsets:
        lags = {(x.partition, x.committed, x.end): x.lag for x in await offsets.lag(group, [topic])}
        committed_topics = {x.topic for x in await offsets.lag(group)}
        sizes = await offsets.sizes([topic, f"{topic}.missing"])
        groups = await offsets.groups("lienthong.it.")

    assert lags == {(0, 1, 3): 2, (1, None, 2): 2}
    assert committed_topics == {topic}
    assert sizes == {topic: 5}
    assert group in groups


async def test_outbox_backlog_counts_unpublished_rows_and_the_age_of_the_oldest(
    settings: CommonSettings, tmp_path: Path
) -> None:
    schema = f"it_outbox_{uuid.uuid4().hex[:6]}"
    await migrate(settings.database_url, schema, tmp_path)
    connection = await asyncpg.connect(settings.database_url)
    try:
        empty = await outbox_backlog(connection, schema)
        assert (empty.waiting, empty.oldest_age_seconds, empty.last_published_at) == (0, 0.0, None)
        for minutes_ago, published in ((5, True), (3, False), (1, False)):
            await connection.execute(
                f'INSERT INTO "{schema}".outbox (event_id, topic, key, headers, payload, created_at, published_at)'
                " VALUES ($1, 't', 'k', '{}', '{}', now() - make_interval(mins => $2),"
                " CASE WHEN $3 THEN now() END)",
                uuid.uuid4(),
                minutes_ago,
                published,
            )
        backlog = await outbox_backlog(connection, schema)
    finally:
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await connection.close()
    assert backlog.waiting == 2
    assert 180 <= backlog.oldest_age_seconds < 240
    assert backlog.last_published_at is not None
