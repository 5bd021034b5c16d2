"""Prometheus metrics of one service, served at ``/metrics``.

From FastStream's ``KafkaPrometheusMiddleware`` (labels ``app_name``, ``handler`` or
``destination`` = topic): ``faststream_received_messages_total``,
``faststream_received_processed_messages_total{status}``,
``faststream_received_processed_messages_duration_seconds``,
``faststream_published_messages_total`` and ``…_duration_seconds``.

Our own, all prefixed ``lienthong_``: outbox backlog and age of its oldest row, consumer
lag per group and partition, messages held in dead-letter topics (read fresh at each
scrape), task deadline marks published, and each unit's on-time ratio (set by the
service that knows it through :meth:`ServiceMetrics.on_scrape`).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

from shared.contracts import TaskDeadlineReached, event_type_of

log = logging.getLogger(__name__)

Refresh = Callable[[], Awaitable[None]]
"""Reads a source (database, cluster) and sets gauges from it."""

DEADLINE_CE_TYPE = event_type_of(TaskDeadlineReached).ce_type


class ServiceMetrics:
    """The registry of one service process and the metrics every service exposes."""

    def __init__(self, service: str, *, refresh_timeout: float = 5.0) -> None:
        self.service = service
        self.refresh_timeout = refresh_timeout
        self.registry = CollectorRegistry()
        self.broker_middleware = KafkaPrometheusMiddleware(registry=self.registry, app_name=f"lienthong-{service}")
        self.outbox_backlog = Gauge(
            "lienthong_outbox_backlog", "Outbox rows not yet published to Kafka.", registry=self.registry
        )
        self.outbox_oldest_age = Gauge(
            "lienthong_outbox_oldest_age_seconds",
            "Age of the oldest outbox row not yet published (0 when none waits).",
            registry=self.registry,
        )
        self.consumer_lag = Gauge(
            "lienthong_consumer_lag",
            "Messages of a partition the consumer group has not committed yet.",
            ["group", "topic", "partition"],
            registry=self.registry,
        )
        self.dead_letters = Gauge(
            "lienthong_dead_letters",
            "Messages held in the dead-letter topic of a topic this service consumes.",
            ["topic"],
            registry=self.registry,
        )
        self.deadline_marks = Counter(
            "lienthong_task_deadline_marks",
            "Task deadline marks published (kind=warning or overdue), per unit.",
            ["unit", "kind"],
            registry=self.registry,
        )
        self.unit_on_time_ratio = Gauge(
            "lienthong_unit_on_time_ratio",
            "Share of a unit's finished tasks that were finished by their due time.",
            ["unit"],
            registry=self.registry,
        )
        self.refresh_failures = Counter(
            "lienthong_metrics_refresh_failures",
            "Scrapes at which a source could not be read (its gauges keep their last values).",
            ["source"],
            registry=self.registry,
        )
        self._refreshers: dict[str, Refresh] = {}

    def on_scrape(self, source: str, refresh: Refresh) -> None:
        """Run ``refresh`` before each exposition; a failure is counted, not raised."""
        self._refreshers[source] = refresh

    async def exposition(self) -> bytes:
        """Fresh values in the Prometheus text format."""
        await asyncio.gather(*(self._refresh(source, refresh) for source, refresh in self._refreshers.items()))
        return generate_latest(self.registry)

    async def _refresh(self, source: str, refresh: Refresh) -> None:
        try:
            await asyncio.wait_for(refresh(), self.refresh_timeout)
        except Exception as error:  # a metrics source down must not fail the scrape
            self.refresh_failures.labels(source).inc()
            log.warning("metrics source %s could not be read: %r", source, error)

    def count_published(self, ce_type: str, payload: Mapping[str, Any]) -> None:
        """Count what a published event says about deadlines."""
        if ce_type == DEADLINE_CE_TYPE:
            self.deadline_marks.labels(str(payload.get("unit_code", "")), str(payload.get("kind", ""))).inc()
