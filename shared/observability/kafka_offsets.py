"""Offsets read from the Kafka cluster: consumer lag per partition and the size of topics.

Used by each service's ``/metrics`` and by the operator CLI. A group's lag on a
partition is the log end offset minus its committed offset; on a partition where the
group has committed nothing yet, everything still in the log counts as lag.
"""

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


@dataclass(frozen=True)
class PartitionLag:
    """How far one consumer group is behind on one partition."""

    group: str
    topic: str
    partition: int
    committed: int | None
    start: int
    end: int

    @property
    def lag(self) -> int:
        """Messages between the group's position and the log end."""
        position = self.committed if self.committed is not None else self.start
        return max(self.end - position, 0)


class KafkaOffsets:
    """An admin client and an offset reader (a consumer of no group); use as ``async with``.

    ``kafka`` holds the aiokafka connection arguments (``kafka_connection(settings)``): brokers and principal.
    """

    def __init__(
        self, kafka: Mapping[str, Any], *, client_id: str = "lienthong-offsets", timeout_ms: int = 5000
    ) -> None:
        self._admin = AIOKafkaAdminClient(**kafka, client_id=client_id, request_timeout_ms=timeout_ms)
        self._reader = AIOKafkaConsumer(
            **kafka,
            client_id=client_id,
            group_id=None,
            enable_auto_commit=False,
            request_timeout_ms=timeout_ms,
        )
        self._started = False

    async def start(self) -> None:
        self._started = True
        try:
            await self._admin.start()
            await self._reader.start()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._started:
            self._started = False
            # Closing after a lost connection may fail; nothing is left to release then.
            with contextlib.suppress(Exception):
                await self._reader.stop()
            with contextlib.suppress(Exception):
                await self._admin.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, _type: type[BaseException] | None, _error: BaseException | None, _tb: TracebackType | None
    ) -> None:
        await self.close()

    async def partitions(self, topics: Iterable[str]) -> list[TopicPartition]:
        """Every partition of the topics that exist; missing topics are left out."""
        names = sorted(set(topics))
        if not names:
            return []
        described = await self._admin.describe_topics(names)
        return sorted(
            TopicPartition(t["topic"], p["partition"])
            for t in described
            if t["error_code"] == 0
            for p in t["partitions"]
        )

    async def groups(self, prefix: str = "") -> list[str]:
        """Consumer groups known to the cluster whose id starts with ``prefix``."""
        return sorted(str(g[0]) for g in await self._admin.list_consumer_groups() if str(g[0]).startswith(prefix))

    async def lag(self, group: str, topics: Iterable[str] | None = None) -> list[PartitionLag]:
        """The group's lag on every partition of ``topics`` (default: the topics it committed on)."""
        committed = await self._admin.list_consumer_group_offsets(group)
        wanted = set(topics) if topics is not None else {tp.topic for tp in committed}
        partitions = await self.partitions(wanted)
        if not partitions:
            return []
        bounds = await self.bounds(partitions)
        result = []
        for tp in partitions:
            mark = committed.get(tp)
            position = mark.offset if mark is not None and mark.offset >= 0 else None
            result.append(PartitionLag(group, tp.topic, tp.partition, position, *bounds[tp]))
        return result

    async def bounds(self, partitions: list[TopicPartition]) -> dict[TopicPartition, tuple[int, int]]:
        """Log start and log end offset of each partition."""
        if not partitions:
            return {}
        starts = await self._reader.beginning_offsets(partitions)
        ends = await self._reader.end_offsets(partitions)
        return {tp: (starts[tp], ends[tp]) for tp in partitions}

    async def sizes(self, topics: Iterable[str]) -> dict[str, int]:
        """Messages each existing topic holds now (log end minus log start, over its partitions)."""
        sizes: dict[str, int] = {}
        for tp, (start, end) in (await self.bounds(await self.partitions(topics))).items():
            sizes[tp.topic] = sizes.get(tp.topic, 0) + end - start
        return sizes
