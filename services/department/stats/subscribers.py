"""The board's record of Form 04 extensions, kept from the department's own ``task.extended.v1``.

Reading the event rather than the task row keeps the record to what the contract says
happened, whoever writes the task.
"""

from faststream.kafka import KafkaRouter

from services.department.stats import store
from shared.contracts import TaskExtended, topic_of
from shared.kernel.messaging import consumer_options
from shared.kernel.runtime import EventId, Runtime
from shared.kernel.settings import CommonSettings


def build_router(settings: CommonSettings) -> KafkaRouter:
    """The subscriber recording extensions, each once (inbox)."""
    router = KafkaRouter()

    @router.subscriber(topic_of(TaskExtended, settings.topic_prefix), **consumer_options("department", "task-extended"))
    async def on_task_extended(event: TaskExtended, event_id: EventId, runtime: Runtime) -> None:
        """Record the unit's extension with an apology letter: the public board counts the task late."""
        async with runtime.inbox_transaction("department.task-extended", event_id) as connection:
            if connection is not None:
                await store.record_extension(connection, event)

    return router
