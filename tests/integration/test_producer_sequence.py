"""A gap in the idempotent producer's sequence costs one refused publish, not every publish after it.

aiokafka leaves such a gap when a batch it had numbered expires: it waited for a partition
leader longer than the request timeout, as while a broker shuts down. The broker then refuses
every later batch to that partition as out of order, and the outbox relay, publishing its batch
again and again, would never get past it. Here the gap is made in the producer's numbering
directly, on the real Kafka, so that the test does not depend on catching a batch in flight at
the moment a broker shuts down (``tests/e2e/test_broker_outage.py`` shuts one down under load).
"""

import uuid

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import OutOfOrderSequenceNumber

from shared.kernel.messaging import create_broker, ensure_topics, producer_of, resynchronise_on_failure
from shared.kernel.settings import CommonSettings
from tests.support.kafka import read_topic


async def test_after_a_gap_in_its_sequence_the_producer_publishes_again_under_a_new_id(
    settings: CommonSettings,
) -> None:
    topic = f"{settings.topic_prefix}sequence-{uuid.uuid4().hex[:6]}"
    await ensure_topics(settings.model_copy(update={"topic_partitions": 1}), [topic])
    broker = create_broker(settings, "sequence-test", None)
    await broker.start()

    async def publish(body: bytes) -> None:
        """As the relay does: hand the message over, watch its acknowledgement, await it."""
        acknowledgement = await broker.publish(body, topic, key=b"dossier", no_confirm=True)
        resynchronise_on_failure(broker, acknowledgement)
        await acknowledgement

    try:
        await publish(b"1")
        producer = producer_of(broker)
        assert producer is not None
        first_id = producer._txn_manager.producer_id
        producer._txn_manager.increment_sequence_number(TopicPartition(topic, 0), 3)  # a numbered batch expired

        with pytest.raises(OutOfOrderSequenceNumber):
            await publish(b"2")
        await publish(b"2")  # the relay's next pass
        await publish(b"3")

        assert producer._txn_manager.producer_id != first_id
    finally:
        await broker.stop()
    records = await read_topic(settings, topic, at_least=3, timeout=10)
    assert [record.value for record in records] == [b"1", b"2", b"3"]
