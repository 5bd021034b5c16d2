"""Transactional outbox: write events with the state change, publish them afterwards."""

import json
from uuid import UUID

import asyncpg
from opentelemetry import propagate

from shared.contracts import BaseEvent, stream_for
from shared.contracts.cloudevents import headers_for
from shared.observability.dossier_tracing import dossier_context

NOTIFY_CHANNEL = "lienthong_outbox"


async def enqueue(connection: asyncpg.Connection, event: BaseEvent, *, source: str, prefix: str) -> UUID:
    """Add ``event`` to the outbox inside the caller's transaction; returns its ``ce_id``.

    The current trace context is stored with the row, so the relay continues the
    trace of the request or message that caused the event, with the dossier's codes as
    baggage; the current span is marked with them too.
    """
    envelope = headers_for(event, source=source)
    carrier: dict[str, str] = {}
    codes = getattr(event, "dossier_code", None), getattr(event, "procedure_code", None)  # none on a service's event
    propagate.inject(carrier, dossier_context(*codes))
    await connection.execute(
        "INSERT INTO outbox (event_id, topic, key, headers, payload, trace_carrier) VALUES ($1, $2, $3, $4, $5, $6)",
        envelope.id,
        prefix + stream_for(event).topic,
        event.key,
        json.dumps(envelope.as_kafka_headers()),
        event.model_dump_json(),
        json.dumps(carrier),
    )
    await connection.execute("SELECT pg_notify($1, current_schema())", NOTIFY_CHANNEL)
    return envelope.id
