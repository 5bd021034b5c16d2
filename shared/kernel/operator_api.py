"""The read API every service serves for operators: its events about a dossier, and its outbox backlog.

The ``lienthong`` operator CLI assembles a dossier's timeline and the outbox report from it, so
that nothing outside a service reads the service's tables. Like ``/healthz`` and ``/metrics``
it is part of every service, not of a service's own API document. Operators only (the ``operator``
scope).
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from shared.kernel.auth.http import OPERATOR
from shared.kernel.runtime import ServiceRuntime
from shared.observability.outbox_status import dossier_events, outbox_backlog
from shared.observability.trace_ui import trace_id_of


class PublishedEvent(BaseModel):
    """One event the service wrote to its outbox: published to Kafka, or waiting for its relay."""

    event_id: UUID = Field(description="The CloudEvents id.")
    type: str | None = Field(description="The CloudEvents type.")
    topic: str
    key: str = Field(description="The Kafka key: the dossier's id.")
    created_at: datetime
    published_at: datetime | None = Field(description="None while the event waits in the outbox.")
    trace_id: str | None = Field(description="The W3C trace the event continues.")


class OutboxStatus(BaseModel):
    """How far the service's outbox relay is behind."""

    waiting: int = Field(description="Events not yet published.")
    oldest_age_seconds: float = Field(description="How long the oldest of them has waited (0 when none waits).")
    last_published_at: datetime | None


def operator_api(runtime: ServiceRuntime[Any]) -> APIRouter:
    api = APIRouter(prefix="/v1", include_in_schema=False, dependencies=[OPERATOR])

    @api.get("/dossiers/{code}/published-events", response_model=list[PublishedEvent])
    async def published_events(code: str) -> list[PublishedEvent]:
        """Every event this service published (or holds in its outbox) about the dossier, oldest first, with its
        trace id. For operators: ``lienthong timeline`` and the trace links of ``make demo``."""
        async with runtime.db.acquire() as connection:
            rows = await dossier_events(connection, runtime.name, code)
        return [
            PublishedEvent.model_validate({**dict(row), "trace_id": trace_id_of(row["traceparent"])}) for row in rows
        ]

    @api.get("/outbox", response_model=OutboxStatus)
    async def outbox() -> OutboxStatus:
        """The service's outbox backlog. For operators: ``lienthong outbox``."""
        async with runtime.db.acquire() as connection:
            backlog = await outbox_backlog(connection, runtime.name)
        return OutboxStatus(
            waiting=backlog.waiting,
            oldest_age_seconds=backlog.oldest_age_seconds,
            last_published_at=backlog.last_published_at,
        )

    return api
