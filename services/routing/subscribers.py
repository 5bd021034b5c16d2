"""Routing's Kafka subscribers."""

from datetime import UTC, datetime

from faststream.kafka import KafkaRouter

from services.routing import handlers
from shared.contracts import DossierSubmitted, TaskCompleted, topic_of
from shared.messaging import consumer_options
from shared.runtime import EventId, Runtime
from shared.settings import CommonSettings


def build_router(settings: CommonSettings) -> KafkaRouter:
    router = KafkaRouter()
    prefix = settings.topic_prefix

    @router.subscriber(topic_of(DossierSubmitted, prefix), **consumer_options("routing", "dossier-submitted"))
    async def on_dossier_submitted(event: DossierSubmitted, event_id: EventId, runtime: Runtime) -> None:
        async with runtime.inbox_transaction("routing.dossier-submitted", event_id) as connection:
            if connection is not None:
                await handlers.plan_dossier(connection, event, now=datetime.now(UTC), prefix=prefix)

    @router.subscriber(topic_of(TaskCompleted, prefix), **consumer_options("routing", "task-completed"))
    async def on_task_completed(event: TaskCompleted, event_id: EventId, runtime: Runtime) -> None:
        async with runtime.inbox_transaction("routing.task-completed", event_id) as connection:
            if connection is not None:
                await handlers.complete_task(connection, event, now=datetime.now(UTC), prefix=prefix)

    return router
