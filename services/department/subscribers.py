"""Department's Kafka subscribers."""

from faststream.kafka import KafkaRouter

from services.department import handlers
from shared.contracts import TaskAssigned, topic_of
from shared.messaging import consumer_options
from shared.runtime import EventId, Runtime
from shared.settings import CommonSettings


def build_router(settings: CommonSettings) -> KafkaRouter:
    router = KafkaRouter()

    @router.subscriber(topic_of(TaskAssigned, settings.topic_prefix), **consumer_options("department", "task-assigned"))
    async def on_task_assigned(event: TaskAssigned, event_id: EventId, runtime: Runtime) -> None:
        async with runtime.inbox_transaction("department.task-assigned", event_id) as connection:
            if connection is not None:
                await handlers.queue_task(connection, event)

    return router
