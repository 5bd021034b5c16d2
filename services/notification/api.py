"""Notification's HTTP API: what each applicant was sent, what the portal was sent, what failed for good."""

import json
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.notification.adapters import repository
from services.notification.domain.recipients import masked
from shared.contracts import DossierStatus
from shared.kernel.http_problems import problems
from shared.kernel.runtime import ServiceRuntime

DeliveryState = Literal["pending", "sending", "delivered", "dead-lettered"]


class Delivery(BaseModel):
    """One message to the applicant, or one status record to the national portal."""

    id: int
    event_id: UUID = Field(description="The status change it tells of (CloudEvents id).")
    channel: Literal["sms", "email", "zalo", "portal"]
    status: DossierStatus = Field(description="The dossier status it announces.")
    recipient: str = Field(description="The contact, masked (the portal for portal records).")
    language: str
    subject: str | None
    message: str = Field(description="The text sent (for the portal, its JSON record).")
    state: DeliveryState = Field(
        description="pending (waiting for its first or next try), sending, delivered or dead-lettered"
        " (failed for good)."
    )
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None = Field(description="When it is tried next, while pending.")
    fallback_of: int | None = Field(description="The delivery it replaces, when sent by e-mail after an SMS failed.")
    provider_ref: str | None = Field(description="The provider's id for the message.")
    created_at: datetime
    finished_at: datetime | None


class DeadLetteredDelivery(Delivery):
    dossier_code: str


def _delivery(row: asyncpg.Record, model: type[Delivery] = Delivery) -> Any:
    values = dict(row)
    values["recipient"] = masked(row["channel"], row["recipient"])
    if row["state"] != "pending":
        values["next_attempt_at"] = None
    if row["record"] is not None:
        values["message"] = json.dumps(json.loads(row["record"]), ensure_ascii=False)
    return model.model_validate(values)


def build_api(runtime: ServiceRuntime[asyncpg.Connection]) -> APIRouter:
    api = APIRouter(prefix="/v1")

    @api.get("/dossiers/{code}/notifications", response_model=list[Delivery])
    async def notifications(code: str) -> list[Delivery]:
        """Every message to the applicant about the dossier, oldest first, with channel, attempts and state."""
        async with runtime.db.acquire() as connection:
            rows = await repository.for_dossier(connection, code, portal=False)
        return [_delivery(row) for row in rows]

    @api.get("/dossiers/{code}/portal-syncs", response_model=list[Delivery])
    async def portal_syncs(code: str) -> list[Delivery]:
        """Every status record sent (or to be sent) to the National Public Service Portal, in order."""
        async with runtime.db.acquire() as connection:
            rows = await repository.for_dossier(connection, code, portal=True)
        return [_delivery(row) for row in rows]

    @api.get(
        "/deliveries/dead-lettered",
        response_model=list[DeadLetteredDelivery],
        responses=problems({422: "`limit` out of range (1 to 500)."}, 422),
    )
    async def dead_lettered(limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[DeadLetteredDelivery]:
        """Deliveries that failed for good (for operators), newest first."""
        async with runtime.db.acquire() as connection:
            rows = await repository.dead_lettered(connection, limit=limit)
        return [_delivery(row, DeadLetteredDelivery) for row in rows]

    return api
