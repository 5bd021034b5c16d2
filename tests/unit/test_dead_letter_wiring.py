"""Consumer wiring: create_broker + DeadLetterPolicy + the kernel's stream subscribers, on FastStream's in-memory Kafka.

Only the wiring is under test here: that each event type of a stream reaches its handler,
that malformed messages, unknown event types and exhausted retries reach ``<topic>.dlq``
with the ``dlq_*`` headers.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from uuid import UUID, uuid4

import pytest
from faststream import StreamMessage
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage

from shared.contracts import (
    DOSSIER_STATUS,
    TASK_OUTCOMES,
    Applicant,
    DossierStatus,
    DossierStatusChanged,
    TaskCompleted,
    TaskExtended,
    TaskOutcome,
    TaskReturned,
    TaskSupplementRequested,
)
from shared.contracts.cloudevents import headers_for
from shared.kernel import dead_letters
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
    failures_left: int = 0
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
        if seen.failures_left > 0:
            seen.failures_left -= 1
            raise RuntimeError("database is down")
        seen.handled.append((event, uow.store))

    subscribe(broker, "notification", {DOSSIER_STATUS: {DossierStatusChanged: on_status_changed}}, "t.", Runner())

    # The raw decoder keeps a dead letter whose body is not JSON from failing to decode here.
    @broker.subscriber(DLQ, decoder=_raw_body, group_id="unit.dlq")
    async def on_dead_letter(message: KafkaMessage) -> None:
        seen.dead.append((message.body, {str(k): str(v) for k, v in message.headers.items()}))

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
    table |= {TaskReturned: ignore, TaskExtended: ignore}
    subscribe(broker, "routing", {TASK_OUTCOMES: table}, "t.", None)  # type: ignore[arg-type]

    (subscriber,) = broker.subscribers
    assert subscriber.group_id == "lienthong.routing.department.task-outcomes.v1"  # type: ignore[attr-defined]
    assert subscriber.ack_policy.name == "ACK"
    assert len(subscriber.calls) == 4


def test_a_table_must_handle_every_event_of_its_stream_and_be_a_consumer_of_it() -> None:
    broker = create_broker(CommonSettings(topic_prefix="t."), "routing", None)

    async def ignore(_uow: UnitOfWork[None], _event: Any) -> None:
        pass

    with pytest.raises(ValueError, match=r"no handler for \['TaskExtended', 'TaskReturned'"):
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


async def test_handler_that_keeps_failing_is_retried_then_dead_lettered(wiring: Wiring) -> None:
    wiring.seen.failures_left = 1_000
    event = _event()
    body = event.model_dump_json().encode()

    await wiring.broker.publish(body, TOPIC, key=b"dossier-key", headers=_headers(event))

    assert wiring.seen.attempts == ATTEMPTS
    dead_body, headers = _single_dead_letter(wiring.seen)
    assert dead_body == body
    assert headers["dlq_error"] == "RuntimeError: database is down"
    assert headers["dlq_attempts"] == "3"
    assert headers["dlq_original_topic"] == TOPIC
    assert headers["ce_type"] == "vn.lienthong.dossier.status-changed.v1"
    assert datetime.fromisoformat(headers["dlq_failed_at"]).tzinfo is not None
    assert wiring.seen.handled == []


async def test_handler_that_recovers_before_the_last_attempt_is_not_dead_lettered(wiring: Wiring) -> None:
    wiring.seen.failures_left = ATTEMPTS - 1
    event = _event()

    await wiring.broker.publish(event.model_dump_json().encode(), TOPIC, headers=_headers(event))

    assert wiring.seen.attempts == ATTEMPTS
    assert [handled for handled, _ in wiring.seen.handled] == [event]
    assert wiring.seen.dead == []


async def test_retries_wait_with_growing_backoff(wiring: Wiring, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    # Only the policy's module sees the fake, not the event loop.
    monkeypatch.setattr(dead_letters, "asyncio", SimpleNamespace(sleep=fake_sleep))
    wiring.policy.retry = RetryPolicy(0.5, 60.0, attempts=ATTEMPTS)
    wiring.seen.failures_left = 1_000
    event = _event()

    await wiring.broker.publish(event.model_dump_json().encode(), TOPIC, headers=_headers(event))

    assert len(waits) == 2
    assert 0.25 <= waits[0] <= 0.5
    assert 0.5 <= waits[1] <= 1.0
    assert len(wiring.seen.dead) == 1
