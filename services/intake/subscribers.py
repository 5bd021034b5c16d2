"""Intake's Kafka subscribers: thin, each decodes and calls a handler in an inbox transaction."""

from faststream.kafka import KafkaRouter

from services.intake import handlers
from shared.contracts import DossierStatusChanged, topic_of
from shared.kernel.messaging import consumer_options
from shared.kernel.runtime import EventId, Runtime
from shared.kernel.settings import CommonSettings


def build_router(settings: CommonSettings) -> KafkaRouter:
    router = KafkaRouter()

    @router.subscriber(
        topic_of(DossierStatusChanged, settings.topic_prefix), **consumer_options("intake", "status-changed")
    )
    async def on_status_changed(event: DossierStatusChanged, event_id: EventId, runtime: Runtime) -> None:
        async with runtime.inbox_transaction("intake.status-changed", event_id) as connection:
            if connection is not None:
                await handlers.record_status_change(connection, event)

    return router
