"""The on-time rate per unit for ``/metrics``, by the public board's own definitions."""

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from services.department.stats import store
from services.department.stats.figures import Tally, Timeliness, timeliness
from shared.observability.metrics import Refresh, ServiceMetrics
from shared.reference.calendar import OFFICE_TIMEZONE

WINDOW = timedelta(days=30)
"""Completions of the last 30 days count; older ones no longer say how a unit is doing."""


def on_time_refresher(
    metrics: ServiceMetrics, pool: Callable[[], asyncpg.Pool], now: Callable[[], datetime]
) -> Refresh:
    """A scrape hook setting ``lienthong_unit_on_time_ratio`` for every unit with completions."""
    zone = ZoneInfo(OFFICE_TIMEZONE)

    async def refresh() -> None:
        async with pool().acquire() as connection:
            rows = await store.recent_completions(connection, now() - WINDOW)
        by_unit: dict[str, list[Timeliness]] = {}
        for row in rows:
            by_unit.setdefault(row["unit_code"], []).append(
                timeliness(row["due_at"], row["completed_at"], extended=row["extended"], zone=zone)
            )
        for unit, items in by_unit.items():
            rate = Tally.of(items).on_time_rate
            if rate is not None:
                metrics.unit_on_time_ratio.labels(unit).set(rate)

    return refresh
