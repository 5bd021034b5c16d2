"""The retention worker: personal data pseudonymised, and plumbing rows pruned, once past their retention.

Each service runs one, beside its relay: a :class:`~shared.kernel.polling.PollingWorker`
(one active instance, by advisory lock) whose pass runs every :class:`RetentionTask` of the
service in batches, each batch a short transaction of its own (``LIMIT n`` rows taken with
``FOR UPDATE SKIP LOCKED``), until a batch comes back short. So nothing stays locked for
long, and the service's own writers go on beside it.

The kernel prunes its own tables (inbox, published outbox rows, idempotency keys); a service
adds its own pruning and the pseudonymisation of its copies of personal data through the
:class:`RetentionPlan` it declares (``Service.retention``). Pseudonymisation needs the key
(``LIENTHONG_PSEUDONYM_KEY``); without it the worker only prunes, and says so at start.

Every row handled counts in ``lienthong_retention_rows_total{service, kind, action}``, and a
pass that changed something appends one entry to the service's journal chain
(``service:<name>``): how many rows of each kind, and the time limits it applied.
"""

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
from prometheus_client import CollectorRegistry, Counter

from shared.kernel.journal import Journal, TransactionalJournal, service_chain
from shared.kernel.polling import PollingWorker, WakeUp, WorkerMetrics
from shared.kernel.pseudonyms import Pseudonyms
from shared.kernel.settings import CommonSettings

log = logging.getLogger(__name__)

PRUNED = "pruned"
PSEUDONYMISED = "pseudonymised"
WAKE_CHANNEL = "lienthong_retention"
"""``NOTIFY lienthong_retention, '<schema>'`` runs the service's retention pass now."""
JOURNAL_ACTION = "retention.run"

Batch = Callable[[asyncpg.Connection, datetime, int], Awaitable[int]]
"""``batch(connection, before, limit)``: handles at most ``limit`` rows that ended before ``before``,
in the caller's transaction; returns how many it handled (fewer than ``limit``: none are left)."""


@dataclass(frozen=True)
class RetentionTask:
    """Rows of one kind that are pruned or pseudonymised once older than ``age``."""

    kind: str
    """What the rows are (``inbox``, ``dossiers``…): a metric label, never anything personal."""
    action: str
    """:data:`PRUNED` or :data:`PSEUDONYMISED`."""
    age: timedelta
    batch: Batch


@dataclass(frozen=True)
class RetentionPlan:
    """What a service adds to the kernel's pruning."""

    pseudonymise: Callable[[Pseudonyms], Sequence[RetentionTask]] | None = None
    """Its copies of personal data, pseudonymised with the deployment's key (None: it holds none)."""
    prune: Sequence[RetentionTask] = ()
    """Its own rows pruned past their retention (e.g. finished deliveries)."""


def pruning(table: str, kind: str, column: str, age: timedelta, *, where: str = "") -> RetentionTask:
    """Delete the rows of ``table`` whose ``column`` is before the limit (and ``where`` holds), in batches.

    Rows are picked by ``ctid`` so a table of any key is pruned the same way, and locked rows
    (being written right now) are skipped, to be pruned by a later pass.
    """
    condition = f" AND {where}" if where else ""

    async def batch(connection: asyncpg.Connection, before: datetime, limit: int) -> int:
        status = await connection.execute(
            f"DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {table}"
            f" WHERE {column} < $1{condition} LIMIT {int(limit)} FOR UPDATE SKIP LOCKED))",
            before,
        )
        return int(status.split()[-1])

    return RetentionTask(kind, PRUNED, age, batch)


def kernel_pruning(*, inbox: timedelta, outbox: timedelta, idempotency_keys: timedelta) -> list[RetentionTask]:
    """The kernel's own tables: inbox rows, outbox rows published, idempotency keys' stored answers."""
    return [
        pruning("inbox", "inbox", "received_at", inbox),
        pruning("outbox", "outbox", "published_at", outbox, where="published_at IS NOT NULL"),
        pruning("idempotency_keys", "idempotency_keys", "created_at", idempotency_keys),
    ]


class RetentionMetrics:
    """``lienthong_retention_rows_total``: rows pruned or pseudonymised, by service, kind and action."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.rows = Counter(
            "lienthong_retention_rows",
            "Rows the retention worker pruned or pseudonymised, by kind of row and action.",
            ["service", "kind", "action"],
            registry=registry,
        )


class Retention:
    """One service's retention pass: every task, batch after batch, then one journal entry if anything changed."""

    def __init__(
        self,
        service: str,
        tasks: Sequence[RetentionTask],
        *,
        batch: int,
        clock: Callable[[], datetime],
        metrics: RetentionMetrics | None = None,
        journal: Callable[[asyncpg.Connection], Journal] | None = None,
    ) -> None:
        self.service = service
        self.tasks = tuple(tasks)
        self.batch = batch
        self._clock = clock
        self._metrics = metrics
        self._journal = journal or (lambda connection: TransactionalJournal(connection, clock))

    async def run(self, connection: asyncpg.Connection | None) -> int:
        """Handle every row past its retention now; returns how many rows changed."""
        assert connection is not None, "retention runs on its worker's own connection, which holds its lock"
        now = self._clock()
        handled: dict[str, int] = {}
        for task in self.tasks:
            done = await self._drain(connection, task, now - task.age)
            if done:
                handled[f"{task.kind}.{task.action}"] = done
        if handled:
            await self._audit(connection, now, handled)
        return sum(handled.values())

    async def _drain(self, connection: asyncpg.Connection, task: RetentionTask, before: datetime) -> int:
        done = 0
        while True:
            async with connection.transaction():
                taken = await task.batch(connection, before, self.batch)
            done += taken
            if self._metrics is not None and taken:
                self._metrics.rows.labels(self.service, task.kind, task.action).inc(taken)
            if taken < self.batch:
                return done

    async def _audit(self, connection: asyncpg.Connection, now: datetime, handled: dict[str, int]) -> None:
        limits = {f"{t.kind}.{t.action}": (now - t.age).isoformat() for t in self.tasks}
        details = {"rows": handled, "before": {name: limits[name] for name in handled}}
        async with connection.transaction():
            await self._journal(connection).append(service_chain(self.service), JOURNAL_ACTION, "retention", details)
        log.info("retention of %s: %s", self.service, ", ".join(f"{n} {name}" for name, n in handled.items()))


class PseudonymKeyMissingError(RuntimeError):
    """The deployment requires pseudonymisation (``LIENTHONG_PSEUDONYM_KEY_REQUIRED``) but gives no key."""


def planned_tasks(settings: CommonSettings, plan: RetentionPlan) -> list[RetentionTask]:
    """The kernel's pruning, the service's own, and its pseudonymisation when the key is set.

    Without the key the service's personal data is left as it is, with a warning, unless the
    deployment requires the key: then the service refuses to start.
    """
    tasks = [
        *kernel_pruning(
            inbox=timedelta(days=settings.inbox_retention_days),
            outbox=timedelta(days=settings.outbox_retention_days),
            idempotency_keys=timedelta(days=settings.idempotency_key_retention_days),
        ),
        *plan.prune,
    ]
    if plan.pseudonymise is None:
        return tasks
    if settings.pseudonym_key is None:
        if settings.pseudonym_key_required:
            raise PseudonymKeyMissingError("LIENTHONG_PSEUDONYM_KEY is required and not set")
        log.warning(
            "LIENTHONG_PSEUDONYM_KEY is not set: personal data of ended dossiers is NOT pseudonymised"
            " (pruning goes on); set it to a secret of at least 32 characters"
        )
        return tasks
    pseudonyms = Pseudonyms(settings.pseudonym_key.get_secret_value().encode())
    return [*plan.pseudonymise(pseudonyms), *tasks]


def retention_worker(
    settings: CommonSettings,
    dsn: str,
    schema: str,
    tasks: Sequence[RetentionTask],
    *,
    clock: Callable[[], datetime],
    metrics: RetentionMetrics | None = None,
    worker_metrics: WorkerMetrics | None = None,
) -> PollingWorker:
    """The service's retention worker: one active instance (advisory lock), a pass every ``retention_poll_seconds``.

    ``dsn`` is the database as the service's own role sees it (the worker deletes and updates its rows).
    """
    retention = Retention(schema, tasks, batch=settings.retention_batch, clock=clock, metrics=metrics)
    return PollingWorker(
        f"{schema}-retention",
        retention.run,
        batch=retention.batch,
        poll_seconds=settings.retention_poll_seconds,
        wake=WakeUp(dsn, WAKE_CHANNEL, payload=schema, server_settings={"search_path": schema}),
        exclusive=f"retention:{schema}",
        metrics=worker_metrics,
    )
