"""What every service runs beside its own code: database, broker, outbox relay, tracing.

``ServiceRuntime`` is created once in each service's ``app.py``; its ``lifespan``
starts everything in order and stops it in reverse.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import FastAPI
from faststream import Context, FastStream, Header
from faststream.kafka import KafkaBroker, KafkaRouter
from faststream.specification import AsyncAPI
from opentelemetry import context
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from shared.contracts import Event, topic_of
from shared.kernel.db import create_pool
from shared.kernel.inbox import first_delivery
from shared.kernel.messaging import all_topics, create_broker, ensure_topics
from shared.kernel.migrations import migrate
from shared.kernel.relay import OutboxRelay
from shared.kernel.settings import CommonSettings
from shared.observability.dossier_tracing import DossierTraceMiddleware, baggage_headers, dossier_context
from shared.observability.metrics import ServiceMetrics
from shared.observability.metrics_sources import MetricsSources
from shared.observability.telemetry import instrument_asyncpg, mark_dossier_request, setup_tracing


@dataclass
class ServiceRuntime:
    """The wiring of one service: its name, settings, subscribers and published events."""

    name: str
    settings: CommonSettings
    migrations: Path
    router: KafkaRouter
    publishes: Iterable[type[Event]] = ()
    pool: asyncpg.Pool | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.tracer_provider = setup_tracing(self.name)
        self.metrics = ServiceMetrics(self.name)
        self.broker: KafkaBroker = create_broker(self.settings, self.name, self.tracer_provider)
        self.broker.insert_middleware(self.metrics.broker_middleware)  # outermost: counts each message once
        self.broker.add_middleware(DossierTraceMiddleware)  # innermost: inside the message's span
        self.broker.include_router(self.router)
        for model in self.publishes:  # declared for the AsyncAPI document
            self.broker.publisher(topic_of(model, self.settings.topic_prefix), schema=model, description=model.__doc__)
        self.asyncapi = FastStream(
            self.broker,
            specification=AsyncAPI(
                title=f"lienthong {self.name}",
                version="1.0.0",
                description=f"Events the {self.name} service publishes and consumes. Every message carries"
                " CloudEvents 1.0 binary-mode headers (ce_id, ce_type, ce_source, ce_time, ce_subject) and a W3C"
                " traceparent; the key is the dossier id.",
            ),
        )
        self.broker.context.set_global("runtime", self)

    @property
    def db(self) -> asyncpg.Pool:
        assert self.pool is not None, "service not started"
        return self.pool

    @contextlib.asynccontextmanager
    async def inbox_transaction(self, consumer: str, event_id: UUID) -> AsyncIterator[asyncpg.Connection | None]:
        """A transaction for handling one event; yields None when ``consumer`` already handled it."""
        async with self.db.acquire() as connection, connection.transaction():
            yield connection if await first_delivery(connection, consumer, event_id) else None

    async def publish(self, payload: dict[str, Any], topic: str, key: str, headers: dict[str, str]) -> None:
        # The row's own topic, not a declared publisher: a row written under another
        # topic prefix must still go where it was meant to.
        ctx = dossier_context(payload.get("dossier_code"), payload.get("procedure_code"))
        token = context.attach(ctx)
        try:
            await self.broker.publish(payload, topic, key=key.encode(), headers=baggage_headers(headers, ctx))
        finally:
            context.detach(token)
        self.metrics.count_published(topic, payload)

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
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
        instrument_asyncpg(self.tracer_provider)
        await migrate(self.settings.database_url, self.name, self.migrations)
        self.pool = await create_pool(self.settings.database_url, self.name)
        await ensure_topics(self.settings, all_topics(self.settings.topic_prefix))
        await self.broker.start()
        sources = MetricsSources(
            self.metrics,
            schema=self.name,
            pool=lambda: self.db,
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            subscriptions=self.subscriptions(),
        )
        sources.register()
        relay = OutboxRelay(
            self.settings.database_url, self.name, self.publish, poll_seconds=self.settings.outbox_poll_seconds
        )
        relay_task = asyncio.create_task(relay.run(), name=f"{self.name}-outbox-relay")
        try:
            yield
        finally:
            relay_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relay_task
            await sources.close()
            await self.broker.stop()
            await self.pool.close()
            self.tracer_provider.shutdown()


EventId = Annotated[UUID, Header("ce_id")]
"""Subscriber parameter: the CloudEvents id of the message, the inbox key."""

Runtime = Annotated[ServiceRuntime, Context("runtime")]
"""Subscriber parameter: the service's runtime (database pool, settings)."""
