"""The local broker authenticates every client and lets each principal do only what its ACLs grant."""

import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    KafkaError,
    TopicAuthorizationFailedError,
)
from pydantic import SecretStr

from operations.dead_letters import read_dead_letters
from shared.contracts import DOSSIER_INTAKE, DOSSIER_STATUS, TASK_ORDERS, TASK_OUTCOMES, dead_letter_topic
from shared.kernel.consumers import consumer_group
from shared.kernel.kafka_connection import kafka_connection
from shared.kernel.settings import CommonSettings
from tests.support.kafka import Principals, publish_raw

pytestmark = pytest.mark.integration


@pytest.fixture
def principals(kafka_principals: Principals) -> Principals:
    assert kafka_principals.passwords, "the local broker has no credentials: deploy/local/kafka.sh did not secure it"
    return kafka_principals


async def _produce(settings: CommonSettings, topic: str) -> None:
    producer = AIOKafkaProducer(**kafka_connection(settings), enable_idempotence=True, request_timeout_ms=10_000)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"{}", key=b"000.01.15.H40-261202-0001")
    finally:
        await producer.stop()


async def test_a_client_without_credentials_is_refused(settings: CommonSettings) -> None:
    anonymous = settings.model_copy(
        update={"kafka_security_protocol": "PLAINTEXT", "kafka_username": None, "kafka_password": None}
    )
    admin = AIOKafkaAdminClient(**kafka_connection(anonymous), request_timeout_ms=5000)
    with pytest.raises(KafkaConnectionError):
        await admin.start()
    await admin.close()


async def test_a_wrong_password_is_refused(settings: CommonSettings, principals: Principals) -> None:
    forged = principals.settings(settings, "routing").model_copy(update={"kafka_password": SecretStr("guessed")})
    with pytest.raises(KafkaError):
        await _produce(forged, settings.topic_prefix + TASK_ORDERS.topic)


async def test_routing_writes_its_own_stream_but_not_the_departments(
    settings: CommonSettings, principals: Principals
) -> None:
    routing = principals.settings(settings, "routing")
    await _produce(routing, settings.topic_prefix + TASK_ORDERS.topic)
    with pytest.raises(TopicAuthorizationFailedError):
        await _produce(routing, settings.topic_prefix + TASK_OUTCOMES.topic)
    with pytest.raises(TopicAuthorizationFailedError):  # nor its own stream under another deployment's prefix
        await _produce(routing, f"other-{uuid.uuid4().hex[:6]}.{TASK_ORDERS.topic}")


async def _read_through(settings: CommonSettings, topic: str, group: str) -> None:
    consumer = AIOKafkaConsumer(topic, **kafka_connection(settings), group_id=group, auto_offset_reset="earliest")
    try:
        await consumer.start()
        for _ in range(5):  # joining the group is asynchronous: its refusal comes with a fetch
            await consumer.getmany(timeout_ms=1000)
    finally:
        await consumer.stop()


async def test_a_service_cannot_read_through_another_services_consumer_group(
    settings: CommonSettings, principals: Principals
) -> None:
    routing = principals.settings(settings, "routing")
    topic = settings.topic_prefix + DOSSIER_INTAKE.topic  # routing may read it, only through its own groups
    own_group = consumer_group("routing", DOSSIER_INTAKE, settings.topic_prefix)
    await _read_through(routing, topic, f"{own_group}.acl-test-{uuid.uuid4().hex[:6]}")
    with pytest.raises(GroupAuthorizationFailedError):
        await _read_through(routing, topic, consumer_group("department", TASK_ORDERS, settings.topic_prefix))
    with pytest.raises(GroupAuthorizationFailedError):  # its own group's name in another deployment
        await _read_through(routing, topic, consumer_group("routing", DOSSIER_INTAKE, "other."))


async def test_the_operator_reads_dead_letters_and_a_service_does_not_read_them(
    settings: CommonSettings, principals: Principals
) -> None:
    dead_letters = dead_letter_topic(settings.topic_prefix + DOSSIER_STATUS.topic)
    marker = uuid.uuid4().hex
    await publish_raw(settings, dead_letters, b"{}", key=b"k", headers={"dlq_reason": marker})

    letters = await read_dead_letters(principals.settings(settings, "operator"), [dead_letters])
    assert marker in {letter.headers.get("dlq_reason") for letter in letters}

    with pytest.raises(TopicAuthorizationFailedError):
        await read_dead_letters(principals.settings(settings, "notification"), [dead_letters])
