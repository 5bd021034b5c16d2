"""Routing's Kafka subscribers: each event of a dossier moves its plan, once."""

from datetime import UTC, datetime

from faststream.kafka import KafkaRouter

from services.routing import handlers
from shared.contracts import (
    DossierSubmitted,
    DossierSupplemented,
    DossierWithdrawn,
    TaskCompleted,
    TaskExtended,
    TaskReturned,
    TaskSupplementRequested,
    topic_of,
)
from shared.kernel.messaging import consumer_options
from shared.kernel.runtime import EventId, Runtime
from shared.kernel.settings import CommonSettings


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
                await handlers.task_completed(connection, event, now=datetime.now(UTC), prefix=prefix)

    @router.subscriber(
        topic_of(TaskSupplementRequested, prefix), **consumer_options("routing", "task-supplement-requested")
    )
    async def on_supplement_requested(event: TaskSupplementRequested, event_id: EventId, runtime: Runtime) -> None:
        async with runtime.inbox_transaction("routing.task-supplement-requested", event_id) as connection:
            if connection is not None:
                await handlers.supplement_requested(connection, event, now=datetime.now(UTC), prefix=prefix)

    @router.subscriber(topic_of(DossierSupplemented, prefix), **consumer_options("routing", "dossier-supplemented"))
    async def on_dossier_supplemented(event: DossierSupplemented, event_id: EventId, runtime: Runtime) -> None:
        async with runtime.inbox_transaction("routing.dossier-supplemented", event_id) as connection:
            if connection is not None:
                await handlers.dossier_supplemented(connection, event, now=datetime.now(UTC), prefix=prefix)

    @router.subscriber(topic_of(TaskReturned, prefix), **consumer_options("routing", "task-returned"))
    async def on_task_returned(event: TaskReturned, event_id: EventId, runtime: Runtime) -> None:
        async with runtime.inbox_transaction("routing.task-returned", event_id) as connection:
            if connection is not None:
                await handlers.task_returned(connection, event, now=datetime.now(UTC), prefix=prefix)

    @router.subscriber(topic_of(TaskExtended, prefix), **consumer_options("routing", "task-extended"))
    async def on_task_extended(event: TaskExtended, event_id: EventId, runtime: Runtime) -> None:
        async with runtime.inbox_transaction("routing.task-extended", event_id) as connection:
            if connection is not None:
                await handlers.task_extended(connection, event, now=datetime.now(UTC), prefix=prefix)

    @router.subscriber(topic_of(DossierWithdrawn, prefix), **consumer_options("routing", "dossier-withdrawn"))
    async def on_dossier_withdrawn(event: DossierWithdrawn, event_id: EventId, runtime: Runtime) -> None:
        async with runtime.inbox_transaction("routing.dossier-withdrawn", event_id) as connection:
            if connection is not None:
                await handlers.dossier_withdrawn(connection, event, now=datetime.now(UTC), prefix=prefix)

    return router
