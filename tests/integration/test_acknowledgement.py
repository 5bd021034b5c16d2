"""Offsets are committed only after the handler finished: a crash mid-handler loses nothing."""

import asyncio
import uuid
from uuid import UUID

from faststream.kafka import KafkaBroker

from shared.contracts import DOSSIER_STATUS, DossierStatusChanged, Event
from shared.contracts.cloudevents import headers_for
from shared.kernel.consumers import Handler, consumer_group, subscribe
from shared.kernel.kafka_connection import broker_security
from shared.kernel.messaging import ensure_topics
from shared.kernel.settings import CommonSettings
from shared.kernel.unit_of_work import UnitOfWork
from tests.support.events import status_changed
from tests.support.kafka import committed_offset, publish_raw


async def test_the_offset_is_committed_after_the_handler_returns_not_before(settings: CommonSettings) -> None:
    prefix = f"{settings.topic_prefix}ack-{uuid.uuid4().hex[:6]}."
    topic = prefix + DOSSIER_STATUS.topic
    group = consumer_group("intake", DOSSIER_STATUS, prefix)
    await ensure_topics(settings.model_copy(update={"topic_partitions": 1}), [topic])
    release = asyncio.Event()
    started = asyncio.Event()
    broker = KafkaBroker(settings.kafka_bootstrap_servers, security=broker_security(settings))

    class SlowRunner:
        async def handle_once(self, consumer: str, event_id: UUID, event: Event, handler: Handler) -> None:
            started.set()
            await release.wait()

    async def never_called(_uow: UnitOfWork[None], _event: DossierStatusChanged) -> None:
        raise AssertionError("the runner holds the event")

    subscribe(broker, "intake", {DOSSIER_STATUS: {DossierStatusChanged: never_called}}, prefix, SlowRunner())
    await broker.start()
    try:
        event = status_changed()
        headers = headers_for(event, source="routing").as_kafka_headers()
        await publish_raw(settings, topic, event.model_dump_json().encode(), key=b"k", headers=headers)
        await asyncio.wait_for(started.wait(), 30)
        assert await committed_offset(settings, group, topic) is None
        release.set()
        for _ in range(100):
            if await committed_offset(settings, group, topic) == 1:
                break
            await asyncio.sleep(0.1)
        assert await committed_offset(settings, group, topic) == 1
    finally:
        await broker.stop()
