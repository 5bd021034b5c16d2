"""Direct Kafka access for tests: publish raw records, read a topic from the start, connect as a principal."""

import time
from dataclasses import dataclass
from pathlib import Path

import kafka_acls
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from kafka_principals import ADMIN, client_env, connect_as, credentials_file, load, services_env

from shared.kernel.kafka_connection import kafka_connection
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
    producer = AIOKafkaProducer(**kafka_connection(settings))
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key, headers=[(k, v.encode()) for k, v in headers.items()])
    finally:
        await producer.stop()


async def committed_offset(settings: CommonSettings, group: str, topic: str, partition: int = 0) -> int | None:
    """The offset ``group`` last committed on ``topic``'s ``partition``, or None."""
    consumer = AIOKafkaConsumer(**kafka_connection(settings), group_id=group)
    await consumer.start()
    try:
        offset: int | None = await consumer.committed(TopicPartition(topic, partition))
        return offset
    finally:
        await consumer.stop()


async def read_topic(settings: CommonSettings, topic: str, *, at_least: int, timeout: float = 30.0) -> list[Record]:
    """Every record of ``topic`` from the beginning, once ``at_least`` have arrived."""
    consumer = AIOKafkaConsumer(topic, **kafka_connection(settings), auto_offset_reset="earliest", group_id=None)
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


@dataclass(frozen=True)
class Principals:
    """The principals of a broker started by ``deploy/local/kafka.sh`` and their passwords.

    ``passwords`` is None for a broker that takes anyone (one formatted before it had ACLs, or
    reached with ``LIENTHONG_KAFKA_*`` set by the caller); every method then changes nothing.
    """

    passwords: dict[str, str] | None

    @classmethod
    def of(cls, local_dir: Path) -> "Principals":
        """Those of the broker whose state is in ``local_dir/kafka``."""
        path = credentials_file(local_dir)
        return cls(load(path) if path.exists() else None)

    def env(self, principal: str) -> dict[str, str]:
        """The ``LIENTHONG_KAFKA_*`` variables of a process connecting as ``principal``."""
        return client_env(self.passwords, principal) if self.passwords else {}

    def services_env(self) -> dict[str, dict[str, str]]:
        """Each service's own variables, for ``ServiceStack(service_env=…)``."""
        return services_env(self.passwords) if self.passwords else {}

    def settings(self, base: CommonSettings, principal: str) -> CommonSettings:
        """``base`` connecting as ``principal``."""
        return connect_as(base, self.passwords, principal) if self.passwords else base

    async def provision(self, base: CommonSettings, prefix: str) -> None:
        """Create the topics and ACLs of a deployment prefix, as its administrator (nothing to grant without ACLs)."""
        if self.passwords:
            await kafka_acls.apply(self.settings(base, ADMIN), prefix)

    async def revoke(self, base: CommonSettings, prefix: str, topics: list[str]) -> None:
        """Delete the ACLs of the deployment ``prefix`` (on ``topics`` and its groups), as the administrator."""
        if self.passwords:
            await kafka_acls.revoke(self.settings(base, ADMIN), prefix, topics)
