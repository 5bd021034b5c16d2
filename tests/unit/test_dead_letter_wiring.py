"""Consumer wiring: create_broker + DeadLetterPolicy + the kernel's stream subscribers, on FastStream's in-memory Kafka.

Only the wiring is under test here: that each event type of a stream reaches its handler;
that malformed messages, unreadable headers, unknown event types, final failures and
exhausted retries of unknown ones reach ``<topic>.dlq`` with the ``dlq_*`` headers; that a
transient failure is retried until it heals and never dead-lettered.
"""

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from aiokafka import ConsumerRecord
from faststream import FastStream, StreamMessage
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage

from shared.contracts import (
    DOSSIER_STATUS,
    TASK_OUTCOMES,
    Applicant,
    DossierStatus,
    DossierStatusChanged,
    ResultIssued,
    TaskCompleted,
    TaskExtended,
    TaskOutcome,
    TaskPaymentRequested,
    TaskReturned,
    TaskSupplementRequested,
)
from shared.contracts.cloudevents import headers_for
from shared.kernel.consumers import Handler, subscribe
from shared.kernel.dead_letters import DeadLetterPolicy
from shared.kernel.messaging import create_broker
from shared.kernel.retry import RetryPolicy
from shared.kernel.settings import CommonSettings
from shared.kernel.unit_of_work import UnitOfWork

TOPIC = "t.routing.dossier-status.v1"
DLQ = f"{TOPIC}.dlq"
ATTEMPTS = 3


@dataclass
class Recorded:
    """What the subscribers saw."""

    handled: list[tuple[DossierStatusChanged, UUID]] = field(default_factory=list)
    attempts: int = 0
    failures: list[Exception] = field(default_factory=list)
    """What the handler raises, one per attempt, before it succeeds."""
    dead: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)


@dataclass
class Wiring:
    broker: KafkaBroker
    policy: DeadLetterPolicy
    seen: Recorded


async def _raw_body(message: StreamMessage[Any]) -> bytes:
    return message.body


@pytest.fixture
async def wiring() -> AsyncIterator[Wiring]:
    broker = create_broker(CommonSettings(topic_prefix="t.", handler_attempts=ATTEMPTS), "unit", None)
    policies = [m for m in broker.middlewares if isinstance(m, DeadLetterPolicy)]
    assert len(policies) == 1, "create_broker must install exactly one DeadLetterPolicy"
    policy = policies[0]
    policy.retry = RetryPolicy(1e-6, 1e-6, attempts=ATTEMPTS)
    seen = Recorded()

    class Runner:
        """Stands for the runtime's inbox transaction: passes the event id on."""

        async def handle_once(self, consumer: str, event_id: UUID, event: Any, handler: Handler) -> None:
            assert consumer == "notification.routing.dossier-status.v1"
            await handler(UnitOfWork(store=event_id, outbox=None, now=datetime.now(UTC)), event)  # type: ignore[arg-type]

    async def on_status_changed(uow: UnitOfWork[UUID], event: DossierStatusChanged) -> None:
        seen.attempts += 1
        if seen.failures:
            raise seen.failures.pop(0)
        seen.handled.append((event, uow.store))

    subscribe(broker, "notification", {DOSSIER_STATUS: {DossierStatusChanged: on_status_changed}}, "t.", Runner())

    # The raw decoder keeps a dead letter whose body is not JSON from failing to decode here.
    @broker.subscriber(DLQ, decoder=_raw_body, group_id="unit.dlq")
    async def on_dead_letter(message: KafkaMessage) -> None:
        seen.dead.append((message.body, {str(k): str(v) for k, v in message.headers.items()}))

    # As the runtime does: an application built on the broker replaces the broker's context.
    FastStream(broker)
    async with TestKafkaBroker(broker) as test_broker:
        yield Wiring(test_broker, policy, seen)


def _event() -> DossierStatusChanged:
    return DossierStatusChanged(
        dossier_id=uuid4(),
        dossier_code="000.01.15.H40-250814-0001",
        status=DossierStatus.DONE,
        previous_status=DossierStatus.PROCESSING,
        procedure_code="1.001193",
        applicant=Applicant(citizen_id="040123456789", full_name="Nguyễn Văn An", phone="0912345678"),
        received_at=datetime(2025, 8, 14, 8, 0, tzinfo=UTC),
        due_at=datetime(2025, 8, 14, 8, 0, tzinfo=UTC),
        handling_unit="17179.VP",
        changed_at=datetime(2025, 8, 15, 9, 0, tzinfo=UTC),
    )


def _headers(event: DossierStatusChanged) -> dict[str, str]:
    return headers_for(event, source="test").as_kafka_headers()


def _single_dead_letter(seen: Recorded) -> tuple[bytes, dict[str, str]]:
    assert len(seen.dead) == 1, seen.dead
    return seen.dead[0]


def test_create_broker_installs_the_policy_with_the_settings() -> None:
    broker = create_broker(CommonSettings(topic_prefix="t.", handler_attempts=5), "unit", None)
    policy = broker.middlewares[1]

    assert isinstance(policy, DeadLetterPolicy)
    assert policy.retry.attempts == 5
    assert policy.service == "unit"
    assert policy.stream(TOPIC) is DOSSIER_STATUS
    assert policy.stream("routing.dossier-status.v1") is None
    assert policy.stream(DLQ) is None


def test_each_stream_is_one_group_committing_after_the_handler_from_the_earliest_offset() -> None:
    broker = create_broker(CommonSettings(topic_prefix="t."), "routing", None)

    async def ignore(_uow: UnitOfWork[None], _event: Any) -> None:
        pass

    table: dict[type[Any], Handler] = {model: ignore for model in (TaskCompleted, TaskSupplementRequested)}
    table |= {model: ignore for model in (TaskReturned, TaskExtended, TaskPaymentRequested, ResultIssued)}
    subscribe(broker, "routing", {TASK_OUTCOMES: table}, "t.", None)  # type: ignore[arg-type]

    (subscriber,) = broker.subscribers
    assert subscriber.group_id == "t.lienthong.routing.department.task-outcomes.v1"  # type: ignore[attr-defined]
    assert subscriber.ack_policy.name == "ACK"
    assert len(subscriber.calls) == 6


def test_a_table_must_handle_every_event_of_its_stream_and_be_a_consumer_of_it() -> None:
    broker = create_broker(CommonSettings(topic_prefix="t."), "routing", None)

    async def ignore(_uow: UnitOfWork[None], _event: Any) -> None:
        pass

    missing = r"no handler for \['ResultIssued', 'TaskExtended', 'TaskPaymentRequested', 'TaskReturned'"
    with pytest.raises(ValueError, match=missing):
        subscribe(broker, "routing", {TASK_OUTCOMES: {TaskCompleted: ignore}}, "t.", None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="whose consumers are"):
        subscribe(broker, "routing", {DOSSIER_STATUS: {DossierStatusChanged: ignore}}, "t.", None)  # type: ignore[arg-type]


async def test_valid_event_reaches_the_handler(wiring: Wiring) -> None:
    event = _event()
    headers = _headers(event)

    await wiring.broker.publish(event.model_dump_json().encode(), TOPIC, key=b"k", headers=headers)

    assert wiring.seen.handled == [(event, UUID(headers["ce_id"]))]
    assert wiring.seen.attempts == 1
    assert wiring.seen.dead == []


async def test_body_that_is_not_json_is_dead_lettered_without_calling_the_handler(wiring: Wiring) -> None:
    await wiring.broker.publish(b"not json {", TOPIC, headers=_headers(_event()))

    body, headers = _single_dead_letter(wiring.seen)
    assert body == b"not json {"
    assert headers["dlq_original_topic"] == TOPIC
    assert headers["dlq_consumer"] == "unit"
    assert headers["dlq_error"].startswith("JSONDecodeError: Expecting value")
    assert headers["dlq_attempts"] == "1"
    assert wiring.seen.handled == []
    assert wiring.seen.attempts == 0


async def test_body_with_wrong_fields_is_dead_lettered_at_first_attempt(wiring: Wiring) -> None:
    body = _event().model_dump_json(exclude={"status"}).encode()

    await wiring.broker.publish(body, TOPIC, headers=_headers(_event()))

    dead_body, headers = _single_dead_letter(wiring.seen)
    assert dead_body == body
    assert "status" in headers["dlq_error"]
    assert headers["dlq_attempts"] == "1"
    assert wiring.seen.attempts == 0


async def test_message_without_cloudevents_headers_is_dead_lettered(wiring: Wiring) -> None:
    body = _event().model_dump_json().encode()

    await wiring.broker.publish(body, TOPIC)

    dead_body, headers = _single_dead_letter(wiring.seen)
    assert dead_body == body
    assert headers["dlq_error"].startswith("MalformedEventError: bad CloudEvents headers")
    assert "ce_id: Field required" in headers["dlq_error"]
    assert headers["dlq_original_topic"] == TOPIC
    assert headers["dlq_attempts"] == "0"
    assert wiring.seen.attempts == 0


async def test_message_typed_as_another_event_is_dead_lettered(wiring: Wiring) -> None:
    other = TaskCompleted(
        dossier_id=uuid4(),
        dossier_code="000.01.15.H40-250814-0001",
        task_id=uuid4(),
        unit_code="17179.VP",
        outcome=TaskOutcome.APPROVED,
        completed_by="clerk-1",
        completed_at=datetime(2025, 8, 15, tzinfo=UTC),
    )
    sent_headers = headers_for(other, source="test").as_kafka_headers()

    await wiring.broker.publish(_event().model_dump_json().encode(), TOPIC, headers=sent_headers)

    _, headers = _single_dead_letter(wiring.seen)
    assert headers["dlq_error"] == (
        "MalformedEventError: ce_type 'vn.lienthong.task.completed.v1' is not carried by stream"
        " routing.dossier-status.v1 ('vn.lienthong.dossier.status-changed.v1')"
    )
    assert headers["dlq_original_topic"] == TOPIC
    assert headers["ce_id"] == sent_headers["ce_id"], "the original headers travel with the dead letter"
    assert wiring.seen.attempts == 0


class RecordedDelays(RetryPolicy):
    """A retry policy that keeps the delays it gave."""

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        chosen = super().delay(failures, rng)
        DELAYS.append(chosen)
        return chosen


DELAYS: list[float] = []


class UnknownDossierError(LookupError):
    """Stands for a service's rule error (routing's UnknownDossierError is a LookupError too)."""


async def _publish_event(wiring: Wiring) -> DossierStatusChanged:
    event = _event()
    await wiring.broker.publish(event.model_dump_json().encode(), TOPIC, key=b"dossier-key", headers=_headers(event))
    return event


def _subscriber(wiring: Wiring) -> Any:
    (subscriber,) = [s for s in wiring.broker.subscribers if s.group_id.startswith("t.lienthong.")]  # type: ignore[attr-defined]
    return subscriber


class Consumer:
    """Stands for the aiokafka consumer a record came from: counts the offset commits."""

    def __init__(self) -> None:
        self.commits = 0

    async def commit(self) -> None:
        self.commits += 1

    def seek(self, partition: Any, offset: int) -> None:
        raise AssertionError(f"no message is given back here ({partition}, {offset})")


def _record(
    headers: list[tuple[str, bytes | None]], value: bytes, offset: int = 7, consumer: Consumer | None = None
) -> ConsumerRecord[bytes, bytes]:
    record = ConsumerRecord(
        topic=TOPIC,
        partition=2,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=b"dossier-key",
        value=value,
        checksum=None,
        serialized_key_size=11,
        serialized_value_size=len(value),
        headers=headers,
    )
    record.consumer = consumer or Consumer()
    return record


@pytest.mark.parametrize(
    "failure",
    [
        ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 15432)"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.SerializationError("could not serialize access"),
        TimeoutError(),
    ],
    ids=["connection-refused", "cannot-connect-now", "serialization", "pool-timeout"],
)
async def test_transient_failure_is_retried_until_it_heals_and_never_dead_lettered(
    wiring: Wiring, failure: Exception
) -> None:
    wiring.seen.failures = [failure] * (ATTEMPTS * 10)  # far more than an unknown failure is given

    event = await _publish_event(wiring)

    assert wiring.seen.attempts == ATTEMPTS * 10 + 1
    assert [handled for handled, _ in wiring.seen.handled] == [event]
    assert wiring.seen.dead == []


async def test_final_failure_is_dead_lettered_at_the_first_attempt(wiring: Wiring) -> None:
    wiring.seen.failures = [UnknownDossierError("no plan for dossier 000.01.15.H40-250814-0001")] * 1_000

    await _publish_event(wiring)

    assert wiring.seen.attempts == 1
    _, headers = _single_dead_letter(wiring.seen)
    assert headers["dlq_error"] == "UnknownDossierError: no plan for dossier 000.01.15.H40-250814-0001"
    assert headers["dlq_attempts"] == "1"


async def test_a_failure_quoting_the_applicant_is_dead_lettered_and_logged_without_it(
    wiring: Wiring, caplog: pytest.LogCaptureFixture
) -> None:
    refused = asyncpg.exceptions.CheckViolationError(
        'new row for relation "deliveries" violates check constraint "refuse_recipient"'
    )
    refused.detail = "Failing row contains (17, sms, 0912345678, Nguyễn Văn An)."
    wiring.seen.failures = [refused] * 1_000

    with caplog.at_level("WARNING"):
        await _publish_event(wiring)

    _, headers = _single_dead_letter(wiring.seen)
    assert headers["dlq_error"] == (
        'CheckViolationError: SQLSTATE 23514: new row for relation "deliveries" violates check constraint'
        ' "refuse_recipient"'
    )
    assert "failing row" in str(refused).lower(), "the error's own text carries the row"
    assert [r for r in caplog.records if "deliveries" in r.getMessage()], "the failures were logged"
    assert not [r for r in caplog.records if "0912345678" in r.getMessage() or "Văn An" in r.getMessage()]


async def test_unknown_failure_is_dead_lettered_after_the_configured_attempts(wiring: Wiring) -> None:
    wiring.seen.failures = [RuntimeError("unexpected bug")] * 1_000
    event = _event()
    body = event.model_dump_json().encode()

    await wiring.broker.publish(body, TOPIC, key=b"dossier-key", headers=_headers(event))

    assert wiring.seen.attempts == ATTEMPTS
    dead_body, headers = _single_dead_letter(wiring.seen)
    assert dead_body == body
    assert headers["dlq_error"] == "RuntimeError: unexpected bug"
    assert headers["dlq_attempts"] == "3"
    assert headers["dlq_original_topic"] == TOPIC
    assert headers["dlq_original_size"] == str(len(body))
    assert headers["ce_type"] == "vn.lienthong.dossier.status-changed.v1"
    assert datetime.fromisoformat(headers["dlq_failed_at"]).tzinfo is not None
    assert "dlq_truncated" not in headers
    assert wiring.seen.handled == []


async def test_transient_failures_do_not_count_towards_the_attempts_of_unknown_ones(wiring: Wiring) -> None:
    wiring.seen.failures = [OSError("Multiple exceptions: [Errno 111] Connect call failed")] * 5
    wiring.seen.failures += [RuntimeError("unexpected bug")] * (ATTEMPTS - 1)

    event = await _publish_event(wiring)

    assert wiring.seen.attempts == 5 + ATTEMPTS
    assert [handled for handled, _ in wiring.seen.handled] == [event]
    assert wiring.seen.dead == []


async def test_unknown_failure_that_recovers_before_the_last_attempt_is_not_dead_lettered(wiring: Wiring) -> None:
    wiring.seen.failures = [RuntimeError("unexpected bug")] * (ATTEMPTS - 1)

    event = await _publish_event(wiring)

    assert wiring.seen.attempts == ATTEMPTS
    assert [handled for handled, _ in wiring.seen.handled] == [event]
    assert wiring.seen.dead == []


async def test_retries_wait_with_capped_growing_backoff(wiring: Wiring) -> None:
    DELAYS.clear()
    wiring.policy.retry = RecordedDelays(0.001, 0.004, attempts=ATTEMPTS)
    wiring.seen.failures = [ConnectionResetError("connection reset by peer")] * 6

    await _publish_event(wiring)

    ceilings = [0.001, 0.002, 0.004, 0.004, 0.004, 0.004]
    assert len(DELAYS) == len(ceilings)
    assert all(ceiling / 2 <= delay <= ceiling for delay, ceiling in zip(DELAYS, ceilings, strict=True)), DELAYS


async def test_stopping_the_subscriber_ends_a_transient_wait_without_dead_lettering(wiring: Wiring) -> None:
    wiring.policy.retry = RetryPolicy(0.05, 0.05)
    wiring.seen.failures = [ConnectionRefusedError(111, "Connect call failed")] * 1_000_000
    subscriber = _subscriber(wiring)
    publishing = asyncio.create_task(_publish_event(wiring))
    while wiring.seen.attempts < 3:
        await asyncio.sleep(0.01)

    subscriber.running = False
    try:
        await asyncio.wait_for(publishing, timeout=5)
    finally:
        subscriber.running = True

    assert wiring.seen.dead == []
    assert wiring.seen.handled == []


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "header 'ce_source' has a null value"),
        (b"\xff\xfeportal", "header 'ce_source' is not valid UTF-8 (invalid start byte at byte 0)"),
    ],
    ids=["null", "not-utf-8"],
)
async def test_message_with_an_unreadable_header_is_dead_lettered_with_the_reason(
    wiring: Wiring, value: bytes | None, reason: str
) -> None:
    event = _event()
    headers: list[tuple[str, bytes | None]] = [(k, v.encode()) for k, v in _headers(event).items()]
    headers = [(k, value if k == "ce_source" else v) for k, v in headers]
    body = event.model_dump_json().encode()

    consumer = Consumer()

    await _subscriber(wiring).consume(_record(headers, body, consumer=consumer))

    assert consumer.commits == 1, "the offset is committed once the message is dead-lettered"
    dead_body, dead_headers = _single_dead_letter(wiring.seen)
    assert dead_body == body
    assert dead_headers["dlq_error"] == f"MalformedEventError: unreadable headers: {reason}"
    assert (dead_headers["dlq_original_partition"], dead_headers["dlq_original_offset"]) == ("2", "7")
    assert dead_headers["ce_type"] == "vn.lienthong.dossier.status-changed.v1"
    assert wiring.seen.attempts == 0


async def test_unreadable_ce_type_is_dead_lettered_although_no_handler_matches_it(wiring: Wiring) -> None:
    headers: list[tuple[str, bytes | None]] = [(k, v.encode()) for k, v in _headers(_event()).items()]
    headers = [(k, b"vn.\xc3" if k == "ce_type" else v) for k, v in headers]

    consumer = Consumer()

    await _subscriber(wiring).consume(_record(headers, b"{}", consumer=consumer))

    assert consumer.commits == 1
    _, dead_headers = _single_dead_letter(wiring.seen)
    assert dead_headers["dlq_error"].startswith("MalformedEventError: unreadable headers: header 'ce_type' is not")
    assert wiring.seen.attempts == 0


async def test_dead_letter_too_big_to_publish_is_truncated_with_where_to_find_the_original(wiring: Wiring) -> None:
    wiring.policy.max_message_bytes = 64 * 1024
    body = b'{"padding": "' + b"x" * 100_000 + b'"}'

    await _subscriber(wiring).consume(_record([(k, v.encode()) for k, v in _headers(_event()).items()], body, 41))

    dead_body, headers = _single_dead_letter(wiring.seen)
    assert headers["dlq_truncated"] == "true"
    assert headers["dlq_original_size"] == str(len(body))
    assert (headers["dlq_original_topic"], headers["dlq_original_partition"]) == (TOPIC, "2")
    assert headers["dlq_original_offset"] == "41"
    assert headers["dlq_kept_bytes"] == str(len(dead_body))
    assert dead_body == body[: len(dead_body)]
    assert 0 < len(dead_body) < 64 * 1024
    assert headers["dlq_error"].startswith("ValidationError:")
