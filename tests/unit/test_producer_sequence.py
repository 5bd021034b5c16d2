"""An idempotent producer the broker can no longer follow takes a new producer id instead of failing forever."""

from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import (
    KafkaTimeoutError,
    LeaderNotAvailableError,
    OutOfOrderSequenceNumber,
    UnknownProducerId,
)

from shared.kernel.messaging import create_broker, producer_of, resynchronise
from shared.kernel.settings import CommonSettings

PARTITION = TopicPartition("intake.dossiers.v1", 3)


@pytest.fixture
async def producer() -> AsyncIterator[AIOKafkaProducer]:
    """An idempotent producer (never connected) that has sent 12 records to PARTITION under producer id 7."""
    producer = AIOKafkaProducer(bootstrap_servers="127.0.0.1:1", enable_idempotence=True)
    producer._txn_manager.set_pid_and_epoch(7, 0)
    producer._txn_manager.increment_sequence_number(PARTITION, 12)
    yield producer
    await producer.stop()


async def test_an_out_of_order_sequence_makes_the_producer_ask_for_a_new_id_with_sequences_from_zero(
    producer: AIOKafkaProducer,
) -> None:
    ids = producer._txn_manager

    assert resynchronise(producer, OutOfOrderSequenceNumber()) is True

    assert not ids.has_pid()  # the sender asks the broker for a new one before its next batch
    assert ids.sequence_number(PARTITION) == 0
    ids.set_pid_and_epoch(8, 0)  # what the sender does with the broker's answer
    await ids.wait_for_pid()
    assert (ids.producer_id, ids.sequence_number(PARTITION)) == (8, 0)


async def test_a_producer_the_broker_forgot_takes_a_new_id_once_while_it_waits_for_it(
    producer: AIOKafkaProducer,
) -> None:
    assert resynchronise(producer, UnknownProducerId()) is True
    assert resynchronise(producer, OutOfOrderSequenceNumber()) is False  # another batch of the old id failing


async def test_other_publish_failures_keep_the_producer_id_and_its_sequences(producer: AIOKafkaProducer) -> None:
    for error in (KafkaTimeoutError(), LeaderNotAvailableError(), ConnectionError(), None):
        assert resynchronise(producer, error) is False

    assert (producer._txn_manager.producer_id, producer._txn_manager.sequence_number(PARTITION)) == (7, 12)


async def test_a_producer_that_is_not_idempotent_or_not_connected_is_left_alone() -> None:
    plain = AIOKafkaProducer(bootstrap_servers="127.0.0.1:1")
    broker = create_broker(CommonSettings(), "intake", None)
    try:
        assert resynchronise(plain, OutOfOrderSequenceNumber()) is False
        assert producer_of(broker) is None
        assert resynchronise(producer_of(broker), OutOfOrderSequenceNumber()) is False
    finally:
        await plain.stop()
