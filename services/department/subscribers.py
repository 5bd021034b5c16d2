"""Department's Kafka subscribers: thin, each decodes and calls a handler in an inbox transaction."""

from faststream.kafka import KafkaRouter

from services.department import handlers
from shared.contracts import TaskAssigned, TaskCancelled, TaskResumed, topic_of
from shared.kernel.messaging import consumer_options
from shared.kernel.runtime import EventId, Runtime
from shared.kernel.settings import CommonSettings


def build_router(settings: CommonSettings) -> KafkaRouter:
    router = KafkaRouter()
    prefix = settings.topic_prefix

    @router.subscriber(topic_of(TaskAssigned, prefix), **consumer_options("department", "task-assigned"))
    async def on_task_assigned(event: TaskAssigned, event_id: EventId, runtime: Runtime) -> None:
        async with runtime.inbox_transaction("department.task-assigned", event_id) as connection:
            if connection is not None:
                await handlers.queue_task(connection, event)

    @router.subscriber(topic_of(TaskCancelled, prefix), **consumer_options("department", "task-cancelled"))
    async def on_task_cancelled(event: TaskCancelled, event_id: EventId, runtime: Runtime) -> None:
        async with runtime.inbox_transaction("department.task-cancelled", event_id) as connection:
            if connection is not None:
                await handlers.cancel_task(connection, event)

    @router.subscriber(topic_of(TaskResumed, prefix), **consumer_options("department", "task-resumed"))
    async def on_task_resumed(event: TaskResumed, event_id: EventId, runtime: Runtime) -> None:
        async with runtime.inbox_transaction("department.task-resumed", event_id) as connection:
            if connection is not None:
                await handlers.resume_task(connection, event)

    return router
