"""Kafka plumbing shared by the services: the broker, topic creation, an idempotent producer kept in sequence."""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import OutOfOrderSequenceNumber, TopicAlreadyExistsError, UnknownProducerId
from aiokafka.producer.transaction_manager import NO_PRODUCER_EPOCH, NO_PRODUCER_ID, PidAndEpoch
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider

from shared.contracts import STREAMS, dead_letter_topic
from shared.kernel.dead_letters import DeadLetterPolicy
from shared.kernel.kafka_connection import broker_security, kafka_connection
from shared.kernel.offset_commits import BatchCommitConsumer
from shared.kernel.retry import RetryPolicy
from shared.kernel.settings import CommonSettings
from shared.kernel.static_members import StaticMembers, instance_name

log = logging.getLogger(__name__)

OUT_OF_SEQUENCE = (OutOfOrderSequenceNumber, UnknownProducerId)
"""What the broker answers an idempotent producer whose sequence numbers it cannot follow any more."""


@dataclass(frozen=True)
class StaticMembership:
    """What the consumers' stable instance ids are made of (see ``static_members.py``)."""

    service: str
    instance: str
    workers: int
    session_timeout_seconds: float


@dataclass(frozen=True)
class OffsetCommits:
    """How often consumers commit their handled offsets (see ``offset_commits.py``)."""

    commit_every: int
    commit_interval_seconds: float


class ServiceBroker(KafkaBroker):
    """FastStream's Kafka broker whose consumers commit in batches and are static members of their groups.

    Static membership only when ``members`` is given.
    """

    def __init__(self, members: StaticMembership | None, commits: OffsetCommits, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        self.commits = commits

    async def _connect(self) -> Callable[..., AIOKafkaConsumer]:
        plain = await super()._connect()
        # FastStream's builder is partial(AIOKafkaConsumer, **connection options): the same, batching commits.
        options = getattr(plain, "keywords", {}) | asdict(self.commits)
        build = partial(BatchCommitConsumer, *getattr(plain, "args", ()), **options)
        self.config.broker_config.builder = build
        if self.members is None:
            return build
        # FastStream gives every consumer of a subscriber the same arguments and builds them with the
        # builder it sets on connecting; wrapped here, each consumer gets its own instance id.
        static = StaticMembers(build, **asdict(self.members))
        self.config.broker_config.builder = static
        return static


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
    members = None
    if settings.kafka_static_membership:
        members = StaticMembership(
            service=service,
            instance=instance_name(settings.instance_id, settings.http_port),
            workers=settings.consumers_per_stream or settings.topic_partitions,
            session_timeout_seconds=settings.kafka_session_timeout_seconds,
        )
    broker = ServiceBroker(
        members,
        OffsetCommits(settings.kafka_commit_every, settings.kafka_commit_interval_seconds),
        # A comma list is several brokers: FastStream would wrap the whole string as one address.
        [server.strip() for server in settings.kafka_bootstrap_servers.split(",") if server.strip()],
        security=broker_security(settings),
        client_id=f"lienthong-{service}",
        enable_idempotence=True,
        max_request_size=settings.kafka_max_message_bytes,
        # FastStream logs "Received" and "Processed" for every message at this level (about 3 % of a busy
        # routing's samples went to those two records in a profile under load): INFO only when asked for.
        log_level=logging.INFO if settings.log_each_message else logging.DEBUG,
        middlewares=[KafkaTelemetryMiddleware(tracer_provider=tracer_provider), dead_letters],
    )

    async def publish_raw(body: bytes, topic: str, key: bytes | None, headers: dict[str, str]) -> None:
        try:
            await broker.publish(body, topic, key=key, headers=headers)
        except OUT_OF_SEQUENCE as error:
            resynchronise(producer_of(broker), error)
            raise

    dead_letters.bind(publish_raw)
    return broker


def all_topics(prefix: str) -> list[str]:
    """Every stream's topic and its dead-letter topic, as the deployment's administrator creates them."""
    names = [prefix + s.topic for s in STREAMS]
    return names + [dead_letter_topic(n) for n in names]


def service_topics(service: str, prefix: str) -> list[str]:
    """The topics ``service`` uses: the streams it publishes or consumes, and the dead letters of those it consumes.

    Its ACLs let it see no other topic, so these are the only ones it can check at start.
    """
    published = [prefix + s.topic for s in STREAMS if s.producer == service]
    consumed = [prefix + s.topic for s in STREAMS if service in s.consumers]
    return published + consumed + [dead_letter_topic(n) for n in consumed]


async def ensure_topics(settings: CommonSettings, names: Iterable[str]) -> None:
    """Create the topics if they do not exist yet (several partitions, keyed by dossier).

    A service's principal may not create topics (the administrator does, ``deploy/local/kafka_acls.py``):
    on a secured broker this only creates something when a topic was not provisioned, and then fails
    with ``TopicAuthorizationFailedError`` naming it.
    """
    admin = AIOKafkaAdminClient(**kafka_connection(settings))
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


def producer_of(broker: KafkaBroker) -> AIOKafkaProducer | None:
    """The aiokafka producer FastStream publishes with, once the broker is started."""
    state = getattr(broker.config.producer, "_producer", None)  # FastStream 0.7: empty until connected
    producer = getattr(state, "producer", None) if state else None
    return producer if isinstance(producer, AIOKafkaProducer) else None


def resynchronise(producer: AIOKafkaProducer | None, error: BaseException | None) -> bool:
    """After ``error`` says the broker lost track of the producer's sequence, start it again under a new id.

    aiokafka (0.14) never resets an idempotent producer's sequence numbers. When a batch fails
    after its sequence was given (it expired while its partition had no leader, as during a
    broker's controlled shutdown) or the broker forgets the producer, every later batch to that
    partition is refused with ``OutOfOrderSequenceNumber`` or ``UnknownProducerId`` until the
    process restarts (aio-libs/aiokafka#1017): the outbox relay would retry its batch forever
    and every dossier behind it would stall. As the Java client does, the producer then takes a
    new producer id, whose sequences start at 0 on every partition; the sender asks the broker
    for it before its next batch. The publish that failed is transient: published again, its
    consumers drop what was already delivered through their inbox. Returns whether it reset.
    """
    if not isinstance(error, OUT_OF_SEQUENCE) or producer is None:
        return False
    ids = producer._txn_manager
    if ids is None or not ids.has_pid():  # not idempotent, or a new id is already on its way
        return False
    log.warning("producer id %s out of sequence with the broker (%r): taking a new one", ids.producer_id, error)
    ids._pid_and_epoch = PidAndEpoch(NO_PRODUCER_ID, NO_PRODUCER_EPOCH)
    ids._pid_waiter = asyncio.get_running_loop().create_future()
    ids._sequence_numbers.clear()
    return True


def resynchronise_on_failure(broker: KafkaBroker, acknowledgement: "asyncio.Future[Any]") -> None:
    """Call :func:`resynchronise` when ``acknowledgement`` (of a publish not awaited yet) fails."""

    def done(future: "asyncio.Future[Any]") -> None:
        if not future.cancelled():
            resynchronise(producer_of(broker), future.exception())

    acknowledgement.add_done_callback(done)
