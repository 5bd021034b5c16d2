"""What every service runs beside its own code: database, broker, consumers, outbox relay, workers, tracing.

``ServiceRuntime`` is built once per process from the service's declaration
(:class:`~shared.kernel.service.Service`); its ``lifespan`` starts everything in the
declared order and stops it in reverse.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, Generic, TypeVar, Union
from uuid import UUID

import asyncpg
from fastapi import FastAPI
from faststream import FastStream
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from opentelemetry import context
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from shared.contracts import JOURNAL_SEALS
from shared.kernel.auth.configured import token_verifier
from shared.kernel.consumer_transactions import HandledEvent, TransactionalRunner
from shared.kernel.consumers import subscribe
from shared.kernel.db import create_pool
from shared.kernel.db_roles import login_dsn, schema_roles
from shared.kernel.inbox import first_delivery
from shared.kernel.journal_seals import seal_worker
from shared.kernel.kafka_connection import kafka_connection
from shared.kernel.messaging import create_broker, ensure_topics, resynchronise_on_failure, service_topics
from shared.kernel.migrations import check_current, migrate
from shared.kernel.polling import PollingWorker, WorkerMetrics
from shared.kernel.relay import relay_worker
from shared.kernel.retention import RetentionMetrics, planned_tasks, retention_worker
from shared.kernel.service import Service
from shared.kernel.settings import CommonSettings
from shared.kernel.unit_of_work import Transactions, UnitOfWork
from shared.observability.dossier_tracing import DossierTraceMiddleware, baggage_headers, dossier_context
from shared.observability.metrics import ServiceMetrics
from shared.observability.metrics_sources import MetricsSources
from shared.observability.telemetry import instrument_asyncpg, mark_dossier_request, setup_tracing

log = logging.getLogger(__name__)

StoreT = TypeVar("StoreT")

ASYNCAPI_DESCRIPTION = (
    "Events the {name} service publishes and consumes. Each channel is one stream (producer → consumers) and"
    " carries several event types, told apart by the ce_type header. Every message carries CloudEvents 1.0"
    " binary-mode headers (ce_id, ce_type, ce_source, ce_time, ce_subject) and a W3C traceparent; the key is"
    " the dossier id (the service's name on its journal-seals stream)."
)


class ServiceRuntime(Generic[StoreT]):
    """The running parts of one service, built from its declaration and settings."""

    def __init__(self, service: Service[StoreT], settings: CommonSettings, migrations: Path) -> None:
        self.service = service
        self.name = service.name
        self.settings = settings
        self.migrations = migrations
        self.pool: asyncpg.Pool | None = None
        self.transactions = Transactions(lambda: self.db, service.store, self.name, settings.topic_prefix)
        self.clock = self.transactions.clock
        self.token_verifier = token_verifier(settings)
        self.tracer_provider = setup_tracing(self.name)
        self.metrics = ServiceMetrics(self.name)
        self.worker_metrics = WorkerMetrics(self.metrics.registry)
        self.broker: KafkaBroker = create_broker(settings, self.name, self.tracer_provider)
        self.broker.insert_middleware(self.metrics.broker_middleware)  # outermost: counts each message once
        self.broker.add_middleware(DossierTraceMiddleware)  # innermost: inside the message's span
        workers = settings.consumers_per_stream or settings.topic_partitions
        self.consumed = TransactionalRunner(
            self.broker,
            lambda: self.db,
            self._apply,
            max_events=settings.consumer_transaction_events,
            linger_seconds=settings.consumer_transaction_linger_seconds,
        )
        subscribe(self.broker, self.name, service.consumes, settings.topic_prefix, self.consumed, workers=workers)
        seals = [JOURNAL_SEALS[self.name]] if self.name in JOURNAL_SEALS else []  # the kernel seals every journal
        for stream in [*service.publishes, *seals]:  # declared for the AsyncAPI document: one channel, several messages
            self.broker.publisher(
                settings.topic_prefix + stream.topic,
                schema=Union[tuple(t.model for t in stream.events)],  # noqa: UP007 (a runtime union of classes)
                title=f"{stream.topic} (published by {self.name})",
                description=stream.description + " Events: " + ", ".join(t.ce_type for t in stream.events) + ".",
            )
        self.asyncapi = FastStream(
            self.broker,
            specification=AsyncAPI(
                title=f"lienthong {self.name}", version="1.0.0", description=ASYNCAPI_DESCRIPTION.format(name=self.name)
            ),
        )
        self.workers: list[PollingWorker] = []

    @property
    def database_url(self) -> str:
        """The database as the service's own login role (``lienthong_<service>``) sees it."""
        return login_dsn(self.settings, self.name)

    @property
    def db(self) -> asyncpg.Pool:
        assert self.pool is not None, "service not started"
        return self.pool

    def unit_of_work(self, connection: asyncpg.Connection, *, cause: UUID | None = None) -> UnitOfWork[StoreT]:
        """A unit of work on ``connection``, which the caller has put in a transaction."""
        return self.transactions.on(connection, cause=cause)

    def transaction(self) -> contextlib.AbstractAsyncContextManager[UnitOfWork[StoreT]]:
        """A unit of work on a new transaction, committed when the block ends without an error."""
        return self.transactions()

    async def _apply(self, connection: asyncpg.Connection, handled: HandledEvent) -> None:
        """The event's inbox row, then (first delivery only) its handler, on ``connection`` in a transaction."""
        if await first_delivery(connection, handled.consumer, handled.event_id):
            await handled.handler(self.unit_of_work(connection, cause=handled.event_id), handled.event)

    async def send(self, payload: dict[str, Any], topic: str, key: str, headers: dict[str, str]) -> Awaitable[Any]:
        """Hand one outbox row to the producer; returns its acknowledgement (the relay awaits a batch of them)."""
        # The row's own topic, not a declared publisher: a row written under another
        # topic prefix must still go where it was meant to.
        ctx = dossier_context(payload.get("dossier_code"), payload.get("procedure_code"))
        token = context.attach(ctx)
        try:
            acknowledgement = await self.broker.publish(
                payload, topic, key=key.encode(), headers=baggage_headers(headers, ctx), no_confirm=True
            )
        finally:
            context.detach(token)
        if isinstance(acknowledgement, asyncio.Future):
            resynchronise_on_failure(self.broker, acknowledgement)  # else the relay could fail forever
        self.metrics.count_published(headers.get("ce_type", ""), payload)
        return acknowledgement

    def subscriptions(self) -> dict[str, tuple[str, ...]]:
        """Each consumer group of the service and the topics it reads."""
        groups: dict[str, tuple[str, ...]] = {}
        for subscriber in self.broker.subscribers:
            group = getattr(subscriber, "group_id", None)
            if group:
                topics = tuple(getattr(t, "name", str(t)) for t in getattr(subscriber, "topics", ()))
                groups[group] = groups.get(group, ()) + topics
        return groups

    def instrument(self, app: FastAPI) -> None:
        FastAPIInstrumentor.instrument_app(
            app,
            tracer_provider=self.tracer_provider,
            excluded_urls="healthz,readyz,metrics",
            server_request_hook=mark_dossier_request,
        )

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        """Start in the declared order, stop in reverse (an exit stack unwinds what was started)."""
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
        async with contextlib.AsyncExitStack() as started:
            started.callback(self.tracer_provider.shutdown)
            instrument_asyncpg(self.tracer_provider)
            # Migrations as the schema's owner role; everything else as the service's own login role.
            if self.settings.migrate_on_start:
                roles = schema_roles(self.settings, self.name)
                await migrate(self.settings.database_url, self.name, self.migrations, roles=roles)
            self.pool = await create_pool(self.database_url, self.name)
            started.push_async_callback(self.pool.close)
            if not self.settings.migrate_on_start:
                async with self.pool.acquire() as connection:
                    await check_current(connection, self.name, self.migrations)
            for stop in self.service.on_stop:
                started.push_async_callback(stop)
            await ensure_topics(self.settings, service_topics(self.name, self.settings.topic_prefix))
            await self.broker.start()
            started.push_async_callback(self.broker.stop)
            sources = MetricsSources(
                self.metrics,
                schema=self.name,
                pool=lambda: self.db,
                kafka=kafka_connection(self.settings),
                subscriptions=self.subscriptions(),
            )
            sources.register()
            started.push_async_callback(sources.close)
            relay = relay_worker(
                self.database_url,
                self.name,
                self.send,
                poll_seconds=self.settings.outbox_poll_seconds,
                batch=self.settings.outbox_batch,
                metrics=self.worker_metrics,
            )
            retention = retention_worker(
                self.settings,
                self.database_url,
                self.name,
                planned_tasks(self.settings, self.service.retention(self)),
                clock=self.clock,
                metrics=RetentionMetrics(self.metrics.registry),
                worker_metrics=self.worker_metrics,
            )
            sealer = seal_worker(
                lambda: self.db, self.name, self.clock, prefix=self.settings.topic_prefix, metrics=self.worker_metrics
            )
            self.workers = [relay, retention, sealer, *self.service.workers(self)]
            for worker in self.workers:
                started.push_async_callback(_stopper(asyncio.create_task(worker.run(), name=worker.name)))
            for start in self.service.on_start:
                await start()
            yield


def _stopper(task: "asyncio.Task[None]") -> Callable[[], Awaitable[None]]:
    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return stop
