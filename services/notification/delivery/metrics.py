"""Delivery metrics on the service's ``/metrics``: outcomes of tries, and what waits or was dead-lettered."""

from collections.abc import Awaitable, Callable

import asyncpg
from prometheus_client import CollectorRegistry, Counter, Gauge

from services.notification.adapters import queries
from services.notification.domain.delivery import DeadLettered, Finished, Step

STATES = ("pending", "sending", "dead-lettered")


class DeliveryMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.tries = Counter(
            "lienthong_notification_delivery_tries",
            "Tries to deliver, by channel (sms, email, zalo, portal) and result (delivered, retry, dead-lettered).",
            ["channel", "result"],
            registry=registry,
        )
        self.deliveries = Gauge(
            "lienthong_notification_deliveries",
            "Deliveries waiting (pending), being sent (sending) or dead-lettered, by channel.",
            ["channel", "state"],
            registry=registry,
        )

    def count(self, channel: str, step: Step) -> None:
        result = "retry"
        if isinstance(step, Finished):
            result = "delivered"
        elif isinstance(step, DeadLettered):
            result = "dead-lettered"
        self.tries.labels(channel, result).inc()

    def refresher(self, pool: Callable[[], asyncpg.Pool], channels: tuple[str, ...]) -> Callable[[], Awaitable[None]]:
        async def refresh() -> None:
            async with pool().acquire() as connection:
                rows = await queries.counts(connection)
            found = {(r["channel"], r["state"]): int(r["n"]) for r in rows}
            for channel in channels:
                for state in STATES:
                    self.deliveries.labels(channel, state).set(found.get((channel, state), 0))

        return refresh
