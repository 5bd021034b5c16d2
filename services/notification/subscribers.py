"""Notification's Kafka subscribers."""

from faststream.kafka import KafkaRouter

from services.notification import handlers
from shared.contracts import DossierStatusChanged, topic_of
from shared.kernel.messaging import consumer_options
from shared.kernel.runtime import EventId, Runtime
from shared.kernel.settings import CommonSettings


def build_router(settings: CommonSettings, senders: frozenset[str]) -> KafkaRouter:
    """``senders``: names of the configured channels (``sms``, ``email``, ``zalo``, ``portal``)."""
    router = KafkaRouter()

    @router.subscriber(
        topic_of(DossierStatusChanged, settings.topic_prefix), **consumer_options("notification", "status-changed")
    )
    async def on_status_changed(event: DossierStatusChanged, event_id: EventId, runtime: Runtime) -> None:
        async with runtime.inbox_transaction("notification.status-changed", event_id) as connection:
            if connection is not None:
                await handlers.plan_deliveries(connection, event_id, event, senders=senders)

    return router
