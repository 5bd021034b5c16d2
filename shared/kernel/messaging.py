"""Kafka plumbing shared by the services: the broker and topic creation."""

import contextlib
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider

from shared.contracts import STREAMS, dead_letter_topic
from shared.kernel.dead_letters import DeadLetterPolicy
from shared.kernel.retry import RetryPolicy
from shared.kernel.settings import CommonSettings


def create_broker(settings: CommonSettings, service: str, tracer_provider: TracerProvider | None) -> KafkaBroker:
    """The service's broker: idempotent producer, tracing, dead letters.

    The handler retry policy's backoff (0.2 s doubling to 5 s) paces both the unknown
    failures tried ``handler_attempts`` times and the transient ones retried until they heal.
    """
    retry = RetryPolicy(base_seconds=0.2, cap_seconds=5.0, attempts=settings.handler_attempts)
    dead_letters = DeadLetterPolicy(
        service=service,
        prefix=settings.topic_prefix,
        retry=retry,
        max_message_bytes=settings.kafka_max_message_bytes,
    )
    broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=f"lienthong-{service}",
        enable_idempotence=True,
        max_request_size=settings.kafka_max_message_bytes,
        middlewares=[KafkaTelemetryMiddleware(tracer_provider=tracer_provider), dead_letters],
    )

    async def publish_raw(body: bytes, topic: str, key: bytes | None, headers: dict[str, str]) -> None:
        await broker.publish(body, topic, key=key, headers=headers)

    dead_letters.bind(publish_raw)
    return broker


def all_topics(prefix: str) -> list[str]:
    names = [prefix + s.topic for s in STREAMS]
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
