"""Kafka plumbing shared by the services: the broker, consumer options, topic creation."""

import contextlib
from collections.abc import Iterable
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider

from shared.contracts import TOPICS, dead_letter_topic
from shared.kernel.dead_letters import DeadLetterPolicy
from shared.kernel.settings import CommonSettings


def create_broker(settings: CommonSettings, service: str, tracer_provider: TracerProvider | None) -> KafkaBroker:
    """The service's broker: idempotent producer, tracing, dead letters."""
    dead_letters = DeadLetterPolicy(service=service, prefix=settings.topic_prefix, attempts=settings.handler_attempts)
    broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=f"lienthong-{service}",
        enable_idempotence=True,
        middlewares=[KafkaTelemetryMiddleware(tracer_provider=tracer_provider), dead_letters],
    )

    async def publish_raw(body: bytes, topic: str, key: bytes | None, headers: dict[str, str]) -> None:
        await broker.publish(body, topic, key=key, headers=headers)

    dead_letters.bind(publish_raw)
    return broker


def consumer_options(service: str, name: str) -> dict[str, Any]:
    """Subscriber options that never lose a message: commit after the handler, earliest reset.

    Each consumer has its own group (``<service>.<name>``) so it sees every event.
    """
    return {
        "group_id": f"lienthong.{service}.{name}",
        "ack_policy": AckPolicy.ACK,
        "auto_offset_reset": "earliest",
    }


def all_topics(prefix: str) -> list[str]:
    names = [prefix + t.topic for t in TOPICS]
    return names + [dead_letter_topic(n) for n in names]


async def ensure_topics(settings: CommonSettings, names: Iterable[str]) -> None:
    """Create the topics if they do not exist yet (several partitions, keyed by dossier)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(n, settings.topic_partitions, settings.topic_replication_factor)
            for n in names
            if n not in existing
        ]
        if missing:
            # Another service may create them at the same moment.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
    finally:
        await admin.close()
