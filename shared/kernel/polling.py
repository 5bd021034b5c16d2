"""The one polling worker: a loop that claims due work from a table, in passes, beside the service.

The outbox relay, the deadline scheduler, the identity rechecker and the delivery worker are
each a :class:`PollingWorker` running a different pass. The worker owns what they share:

- passes back to back while a pass finds a full batch, else a wait of ``poll_seconds``, cut
  short by a PostgreSQL ``NOTIFY`` on ``wake_channel`` when there is one;
- one :class:`~shared.kernel.retry.RetryPolicy` between failed passes (a database down is
  waited for, ever more patiently, and never ends the loop);
- optionally ``exclusive``: one instance at a time, chosen by a PostgreSQL advisory lock
  held on the worker's own connection (the others stand by until it frees);
- metrics: passes by result and items handled, per worker.

Claiming rows among several instances is :class:`LeasedRows` (``FOR UPDATE SKIP LOCKED``
and a lease that moves the row's due time ahead, so a dead claimant's rows come back).
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from prometheus_client import CollectorRegistry, Counter

from shared.kernel.failure_reasons import failure_reason
from shared.kernel.retry import RetryPolicy

log = logging.getLogger(__name__)

Pass = Callable[[asyncpg.Connection | None], Awaitable[int]]
"""One pass of a worker: handles what is due, returns how many items it took.

It is given the worker's own connection when the worker has one (``wake``): the connection
that holds the exclusive lock, so work done on it stops when the lock is lost.
"""


@dataclass(frozen=True)
class WakeUp:
    """Wake the worker when ``channel`` is notified (with ``payload``, when given)."""

    dsn: str
    channel: str
    payload: str | None = None
    server_settings: dict[str, str] | None = None
    """Of the worker's connection, e.g. the service's ``search_path``."""


class WorkerMetrics:
    """Counters every polling worker of a service reports."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.passes = Counter(
            "lienthong_worker_passes",
            "Passes of a background worker, by result (work, idle, failed).",
            ["worker", "result"],
            registry=registry,
        )
        self.items = Counter(
            "lienthong_worker_items", "Items (rows, messages) a background worker took.", ["worker"], registry=registry
        )


class PollingWorker:
    """Runs ``run_pass`` until cancelled, as the module docstring describes."""

    def __init__(
        self,
        name: str,
        run_pass: Pass,
        *,
        batch: int,
        poll_seconds: float,
        retry: RetryPolicy | None = None,
        wake: WakeUp | None = None,
        exclusive: str | None = None,
        metrics: WorkerMetrics | None = None,
        on_stop: Callable[[], Awaitable[Any]] | None = None,
    ) -> None:
        if exclusive is not None and wake is None:
            raise ValueError("an exclusive worker holds its lock on its wake-up connection: give wake too")
        self.name = name
        self._run_pass = run_pass
        self._batch = batch
        self._poll_seconds = poll_seconds
        # Capped at 5 s: a relay waiting out an outage publishes again within seconds of its end (with a 30 s
        # cap, the dossiers of a 30 s database outage reached the inbox up to 19 s after it, test_database_outage).
        self._retry = retry or RetryPolicy(base_seconds=poll_seconds, cap_seconds=max(5.0, poll_seconds))
        self._wake_up = wake
        self._exclusive = exclusive
        self._metrics = metrics
        self._on_stop = on_stop
        self._wake = asyncio.Event()
        self.failures = 0
        """Failed passes in a row (0 after a pass that worked)."""

    def wake(self, *_: object) -> None:
        """Run the next pass now."""
        self._wake.set()

    async def run(self) -> None:
        """Pass after pass until cancelled; failures wait by the retry policy and never end the loop.

        A failed pass also drops the worker's connection (and its lock), taken anew before the next.
        """
        try:
            while True:
                try:
                    async with self._connected() as connection:
                        await self._passes(connection)
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    await self._failed(error)
        finally:
            if self._on_stop is not None:
                await self._on_stop()

    async def _passes(self, connection: asyncpg.Connection | None) -> None:
        while True:
            self._wake.clear()
            taken = await self._run_pass(connection)
            self.failures = 0
            self._count("work" if taken else "idle", taken)
            if taken < self._batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll_seconds)

    async def _failed(self, error: Exception) -> None:
        self.failures += 1
        self._count("failed", 0)
        delay = self._retry.delay(self.failures)
        log.warning(
            "%s: pass failed (%d in a row), next try in %.1fs: %s",
            self.name,
            self.failures,
            delay,
            failure_reason(error),
        )
        await asyncio.sleep(delay)

    def _count(self, result: str, taken: int) -> None:
        if self._metrics is not None:
            self._metrics.passes.labels(self.name, result).inc()
            if taken:
                self._metrics.items.labels(self.name).inc(taken)

    @contextlib.asynccontextmanager
    async def _connected(self) -> AsyncIterator[asyncpg.Connection | None]:
        """The wake-up connection (listening, holding the exclusive lock) for as long as passes run."""
        if self._wake_up is None:
            yield None
            return
        connection = await asyncpg.connect(self._wake_up.dsn, server_settings=self._wake_up.server_settings)
        try:
            await connection.add_listener(self._wake_up.channel, self._on_notify)
            if self._exclusive is not None:
                await self._take_lock(connection, self._exclusive)
            yield connection
        finally:
            with contextlib.suppress(Exception):
                await connection.close()

    async def _take_lock(self, connection: asyncpg.Connection, name: str) -> None:
        while True:
            if await connection.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", name):
                break
            await asyncio.sleep(self._poll_seconds)
        log.info("%s: this instance is the active one", self.name)

    def _on_notify(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        if self._wake_up is not None and self._wake_up.payload in (None, payload):
            self._wake.set()


@dataclass(frozen=True)
class LeasedRows:
    """Due rows of a table that several instances share: each row is claimed by one at a time.

    A claim locks due rows with ``FOR UPDATE SKIP LOCKED`` (others skip them), moves their
    ``due_column`` a lease ahead (so they are not due for anyone while the claimant works on
    them, and due again if it dies) and applies ``claim_set`` (e.g. a claim id or a state).
    The claimant commits the claim before its slow work, then records each outcome in its own
    transaction, fenced by what the claim wrote.
    """

    table: str
    due_column: str
    ready: str
    """SQL condition of a row waiting for work, beside being due."""
    returning: str
    claim_set: str = ""
    """Further ``SET`` assignments of the claim; ``$3`` is the claim value given to :meth:`claim`."""
    order_by: str = ""
    """Which due rows come first; by default the earliest due."""

    async def claim(
        self, connection: asyncpg.Connection, *, now: datetime, lease: timedelta, batch: int, claim: object = None
    ) -> list[asyncpg.Record]:
        extra = f", {self.claim_set}" if self.claim_set else ""
        query = (
            f"UPDATE {self.table} SET {self.due_column} = $1::timestamptz + $2::interval{extra}"
            f" WHERE id IN (SELECT id FROM {self.table} WHERE {self.ready} AND {self.due_column} <= $1"
            f" ORDER BY {self.order_by or self.due_column} LIMIT {int(batch)} FOR UPDATE SKIP LOCKED)"
            f" RETURNING {self.returning}"
        )
        args: tuple[object, ...] = (now, lease) if claim is None else (now, lease, claim)
        return list(await connection.fetch(query, *args))
