"""Offsets are committed only after the handler finished: a crash mid-handler loses nothing."""

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer, TopicPartition
from faststream.kafka import KafkaBroker

from shared.kernel.messaging import consumer_options, ensure_topics
from shared.kernel.settings import CommonSettings
from tests.support.kafka import publish_raw


async def _committed(settings: CommonSettings, group: str, topic: str) -> int | None:
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, group_id=group)
    await consumer.start()
    try:
        offset: int | None = await consumer.committed(TopicPartition(topic, 0))
        return offset
    finally:
        await consumer.stop()


async def test_the_offset_is_committed_after_the_handler_returns_not_before(settings: CommonSettings) -> None:
    topic = f"{settings.topic_prefix}ack-{uuid.uuid4().hex[:6]}"
    await ensure_topics(settings.model_copy(update={"topic_partitions": 1}), [topic])
    options = consumer_options("it", f"ack-{uuid.uuid4().hex[:6]}")
    release = asyncio.Event()
    started = asyncio.Event()
    broker = KafkaBroker(settings.kafka_bootstrap_servers)

    @broker.subscriber(topic, **options)  # type: ignore[untyped-decorator]
    async def slow_handler(body: str) -> None:
        started.set()
        await release.wait()

    await broker.start()
    try:
        await publish_raw(settings, topic, b"work", key=b"k", headers={})
        await asyncio.wait_for(started.wait(), 30)
        assert await _committed(settings, options["group_id"], topic) is None
        release.set()
        for _ in range(100):
            if await _committed(settings, options["group_id"], topic) == 1:
                break
            await asyncio.sleep(0.1)
        assert await _committed(settings, options["group_id"], topic) == 1
    finally:
        await broker.stop()
