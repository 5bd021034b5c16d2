"""The outbox relay publishes in order, once, inside the trace that wrote each row."""

import asyncio
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from shared.contracts import DossierStatus, DossierStatusChanged, topic_of
from shared.contracts.events import Applicant
from shared.kernel import outbox
from shared.kernel.kafka_connection import kafka_connection
from shared.kernel.migrations import migrate
from shared.kernel.relay import OutboxRelay
from shared.kernel.settings import CommonSettings
from tests.support.kafka import read_topic


def _status_change(dossier_id: uuid.UUID, status: DossierStatus) -> DossierStatusChanged:
    now = datetime.now(UTC)
    return DossierStatusChanged(
        dossier_id=dossier_id,
        dossier_code="000.00.15.H91-250814-0001",
        status=status,
        previous_status=None,
        procedure_code="1.001193",
        applicant=Applicant(citizen_id="091085004321", full_name="Trần Văn Minh"),
        received_at=now,
        due_at=now,
        changed_at=now,
    )


async def test_rows_are_published_in_order_within_their_trace_and_only_once(
    settings: CommonSettings, tmp_path: Path
) -> None:
    await migrate(settings.database_url, "it_relay", tmp_path)
    prefix = f"{settings.topic_prefix}relay-{uuid.uuid4().hex[:6]}."
    dossier_id = uuid.uuid4()
    statuses = [DossierStatus.RECEIVING, DossierStatus.PROCESSING, DossierStatus.WAITING, DossierStatus.DONE]
    tracer = TracerProvider().get_tracer("it")
    with tracer.start_as_current_span("request") as span:
        writer = await asyncpg.connect(settings.database_url, server_settings={"search_path": "it_relay"})
        async with writer.transaction():
            for status in statuses:
                await outbox.enqueue(writer, _status_change(dossier_id, status), source="it", prefix=prefix)
        await writer.close()
    request_trace = span.get_span_context().trace_id

    producer = AIOKafkaProducer(**kafka_connection(settings), enable_idempotence=True)
    await producer.start()
    traces_seen: list[int] = []

    async def send(payload: dict[str, Any], topic: str, key: str, headers: dict[str, str]) -> Awaitable[Any]:
        traces_seen.append(trace.get_current_span().get_span_context().trace_id)
        value = DossierStatusChanged.model_validate(payload).model_dump_json().encode()
        acknowledgement: Awaitable[Any] = await producer.send(
            topic, value, key=key.encode(), headers=[(k, v.encode()) for k, v in headers.items()]
        )
        return acknowledgement

    relay = OutboxRelay(send)
    connection = await asyncpg.connect(settings.database_url, server_settings={"search_path": "it_relay"})
    try:
        first = await relay.relay_pending(connection)
        second = await relay.relay_pending(connection)
    finally:
        await connection.close()
        await producer.stop()

    assert first == len(statuses)
    assert second == 0
    assert traces_seen == [request_trace] * len(statuses)
    records = await read_topic(settings, topic_of(DossierStatusChanged, prefix), at_least=len(statuses))
    received = [DossierStatusChanged.model_validate_json(r.value).status for r in records]
    assert received == statuses
    assert len({r.headers["ce_id"] for r in records}) == len(statuses)
    assert {r.key for r in records} == {str(dossier_id).encode()}


async def test_a_batch_with_a_failed_acknowledgement_stays_unsent_to_be_published_again(
    settings: CommonSettings, tmp_path: Path
) -> None:
    schema = f"it_relay_{uuid.uuid4().hex[:6]}"
    await migrate(settings.database_url, schema, tmp_path)
    connection = await asyncpg.connect(settings.database_url, server_settings={"search_path": schema})
    dossier_id = uuid.uuid4()
    try:
        async with connection.transaction():
            for status in (DossierStatus.RECEIVING, DossierStatus.PROCESSING, DossierStatus.DONE):
                await outbox.enqueue(connection, _status_change(dossier_id, status), source="it", prefix="it.")
        handed: list[str] = []

        async def send(payload: dict[str, Any], topic: str, key: str, headers: dict[str, str]) -> Awaitable[Any]:
            handed.append(payload["status"])
            acknowledgement: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            if payload["status"] == DossierStatus.PROCESSING:
                acknowledgement.set_exception(ConnectionError("the broker went away"))
            else:
                acknowledgement.set_result(None)
            return acknowledgement

        with pytest.raises(ConnectionError, match="went away"):
            await OutboxRelay(send).relay_pending(connection)
        unsent = await connection.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    finally:
        await connection.close()

    assert handed == ["receiving", "processing", "done"], "the whole batch is handed over in order first"
    assert unsent == 3, "no row of the batch is marked sent"
