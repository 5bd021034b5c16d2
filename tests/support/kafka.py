"""Direct Kafka access for tests: publish raw records, read a topic from the start."""

import time
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from shared.kernel.settings import CommonSettings


@dataclass(frozen=True)
class Record:
    key: bytes | None
    value: bytes
    headers: dict[str, str]
    partition: int
    offset: int


async def publish_raw(
    settings: CommonSettings, topic: str, value: bytes, *, key: bytes | None, headers: dict[str, str]
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key, headers=[(k, v.encode()) for k, v in headers.items()])
    finally:
        await producer.stop()


async def read_topic(settings: CommonSettings, topic: str, *, at_least: int, timeout: float = 30.0) -> list[Record]:
    """Every record of ``topic`` from the beginning, once ``at_least`` have arrived."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=settings.kafka_bootstrap_servers, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    records: list[Record] = []
    deadline = time.monotonic() + timeout
    try:
        while len(records) < at_least and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for batch in batches.values():
                records.extend(
                    Record(r.key, r.value, {k: v.decode() for k, v in r.headers}, r.partition, r.offset)
                    for r in batch
                    if r.value is not None
                )
    finally:
        await consumer.stop()
    return records
