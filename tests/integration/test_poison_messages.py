"""No silent drop: what a consumer cannot parse reaches ``<topic>.dlq`` with the reason, on the real Kafka.

Each kind is produced raw (as a foreign or broken producer would): a header whose value is
null, a header value that is not UTF-8, and a body so close to Kafka's 1 MiB limit that its
dead letter (the same body plus the ``dlq_*`` headers) cannot be published whole. Each is
found in the dead-letter topic, and the consumer moves on past all of them.
"""

import uuid
from datetime import UTC, datetime
from uuid import UUID

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.record.default_records import DefaultRecordBatchBuilder

from operations.dead_letters import DeadLetter, whole
from shared.contracts import DOSSIER_STATUS, DossierStatusChanged, Event, dead_letter_topic
from shared.contracts.cloudevents import headers_for
from shared.kernel.consumers import Handler, consumer_group, subscribe
from shared.kernel.kafka_connection import kafka_connection
from shared.kernel.messaging import create_broker, ensure_topics
from shared.kernel.settings import CommonSettings
from shared.kernel.unit_of_work import UnitOfWork
from tests.support.events import status_changed
from tests.support.kafka import read_topic
from tests.support.waiting import eventually

LIMIT = 1024 * 1024  # aiokafka's max_request_size and the kernel's kafka_max_message_bytes


def _largest_body(key: bytes, headers: list[tuple[str, bytes]]) -> int:
    """The largest body a record with these key and headers may have and still be produced."""
    overhead = DefaultRecordBatchBuilder.estimate_size_in_bytes(key, b"", headers)
    return LIMIT - int(overhead) - 16


async def test_unparseable_messages_each_reach_the_dead_letter_topic_with_the_reason(settings: CommonSettings) -> None:
    prefix = f"{settings.topic_prefix}poison-{uuid.uuid4().hex[:6]}."
    own = settings.model_copy(update={"topic_prefix": prefix, "topic_partitions": 1})
    topic = prefix + DOSSIER_STATUS.topic
    await ensure_topics(own, [topic, dead_letter_topic(topic)])
    handled: list[UUID] = []

    class Runner:
        async def handle_once(self, consumer: str, event_id: UUID, event: Event, handler: Handler) -> None:
            await handler(UnitOfWork(store=None, outbox=None, now=datetime.now(UTC)), event)  # type: ignore[arg-type]

    async def on_status(_uow: UnitOfWork[None], event: DossierStatusChanged) -> None:
        handled.append(event.dossier_id)

    broker = create_broker(own, "poison-test", None)
    subscribe(broker, "notification", {DOSSIER_STATUS: {DossierStatusChanged: on_status}}, prefix, Runner())
    producer = AIOKafkaProducer(**kafka_connection(settings))
    await producer.start()
    await broker.start()
    try:
        event = status_changed()
        body = event.model_dump_json().encode()
        good = [(k, v.encode()) for k, v in headers_for(event, source="routing").as_kafka_headers().items()]
        null_value = [(k, None if k == "ce_subject" else v) for k, v in good]
        not_utf8 = [(k, b"\xc0\xafrouting" if k == "ce_source" else v) for k, v in good]
        huge = b"x" * _largest_body(b"k", good)
        for value, headers in ((body, null_value), (body, not_utf8), (huge, good)):
            await producer.send_and_wait(topic, value, key=b"k", headers=headers)
        after = status_changed()
        after_headers = headers_for(after, source="routing").as_kafka_headers().items()
        await producer.send_and_wait(
            topic, after.model_dump_json().encode(), key=b"k", headers=[(k, v.encode()) for k, v in after_headers]
        )

        letters = await read_topic(settings, dead_letter_topic(topic), at_least=3, timeout=60)
        await eventually(lambda: _true(after.dossier_id in handled), what="the event after the poison handled")
        committed = await eventually(lambda: _committed(settings, topic, 4), what="offset committed past all four")
    finally:
        await broker.stop()
        await producer.stop()

    by_offset = {letter.headers["dlq_original_offset"]: letter for letter in letters}
    assert sorted(by_offset) == ["0", "1", "2"], [letter.headers for letter in letters]
    null_letter, utf8_letter, huge_letter = by_offset["0"], by_offset["1"], by_offset["2"]
    assert null_letter.headers["dlq_error"] == (
        "MalformedEventError: unreadable headers: header 'ce_subject' has a null value"
    )
    assert null_letter.value == body
    assert utf8_letter.headers["dlq_error"] == (
        "MalformedEventError: unreadable headers: header 'ce_source' is not valid UTF-8 (invalid start byte at byte 0)"
    )
    assert utf8_letter.value == body
    assert huge_letter.headers["dlq_error"].startswith("JSONDecodeError: ")
    assert huge_letter.headers["dlq_truncated"] == "true"
    assert huge_letter.headers["dlq_original_size"] == str(len(huge))
    assert huge_letter.headers["dlq_original_topic"] == topic
    assert huge_letter.headers["dlq_original_partition"] == "0"
    assert 0 < len(huge_letter.value) < len(huge)
    assert huge_letter.value == huge[: len(huge_letter.value)]
    stored = DeadLetter(dead_letter_topic(topic), 0, 2, b"k", huge_letter.value, huge_letter.headers)
    replayable = await whole(settings, stored)
    assert replayable.value == huge, "a replay reads the whole original back from its topic"
    assert replayable.replay_headers() == {k: v.decode() for k, v in good}
    assert handled == [after.dossier_id], "none of the poison reached the handler"
    assert committed == 4


async def _true(value: bool) -> bool | None:
    return value or None


async def _committed(settings: CommonSettings, topic: str, expected: int) -> int | None:
    group = consumer_group("notification", DOSSIER_STATUS, topic.removesuffix(DOSSIER_STATUS.topic))
    consumer = AIOKafkaConsumer(**kafka_connection(settings), group_id=group)
    await consumer.start()
    try:
        offset = await consumer.committed(TopicPartition(topic, 0))
    finally:
        await consumer.stop()
    return offset if offset == expected else None
