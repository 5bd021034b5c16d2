"""What a service's gauges are read from at each scrape: its outbox and the Kafka cluster."""

from collections.abc import Callable, Mapping
from typing import Any

import asyncpg

from shared.contracts import dead_letter_topic
from shared.observability.kafka_offsets import KafkaOffsets
from shared.observability.metrics import ServiceMetrics
from shared.observability.outbox_status import outbox_backlog


class MetricsSources:
    """Refreshes the outbox and Kafka gauges of one service.

    ``subscriptions`` maps each consumer group of the service to the topics it reads;
    lag is reported for those, and dead letters for those topics' ``.dlq`` topics. ``kafka`` is
    how the service connects (:func:`shared.kernel.kafka_connection.kafka_connection`), as its own principal.
    """

    def __init__(
        self,
        metrics: ServiceMetrics,
        *,
        schema: str,
        pool: Callable[[], asyncpg.Pool],
        kafka: Mapping[str, Any],
        subscriptions: Mapping[str, tuple[str, ...]],
    ) -> None:
        self.metrics = metrics
        self.schema = schema
        self._pool = pool
        self._kafka = dict(kafka)
        self._subscriptions = dict(subscriptions)
        self._offsets: KafkaOffsets | None = None

    def register(self) -> None:
        self.metrics.on_scrape("outbox", self.refresh_outbox)
        self.metrics.on_scrape("kafka", self.refresh_kafka)

    async def refresh_outbox(self) -> None:
        async with self._pool().acquire() as connection:
            backlog = await outbox_backlog(connection, self.schema)
        self.metrics.outbox_backlog.set(backlog.waiting)
        self.metrics.outbox_oldest_age.set(backlog.oldest_age_seconds)

    async def refresh_kafka(self) -> None:
        offsets = await self._connected()
        try:
            lags = [lag for group, topics in self._subscriptions.items() for lag in await offsets.lag(group, topics)]
            topics = {t for topics in self._subscriptions.values() for t in topics}
            sizes = await offsets.sizes(dead_letter_topic(t) for t in topics)
        except Exception:
            await self.close()  # reconnect at the next scrape
            raise
        self.metrics.consumer_lag.clear()
        for lag in lags:
            self.metrics.consumer_lag.labels(lag.group, lag.topic, str(lag.partition)).set(lag.lag)
        self.metrics.dead_letters.clear()
        for topic in sorted(topics):
            self.metrics.dead_letters.labels(dead_letter_topic(topic)).set(sizes.get(dead_letter_topic(topic), 0))

    async def _connected(self) -> KafkaOffsets:
        if self._offsets is None:
            offsets = KafkaOffsets(self._kafka, client_id=f"lienthong-{self.schema}-metrics")
            await offsets.start()
            self._offsets = offsets
        return self._offsets

    async def close(self) -> None:
        if self._offsets is not None:
            offsets, self._offsets = self._offsets, None
            await offsets.close()
