"""Notification's HTTP API: what each applicant was told."""

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel

from services.notification.adapters import repository
from shared.contracts import DossierStatus
from shared.runtime import ServiceRuntime


class LedgerEntry(BaseModel):
    """One message to the applicant (the recipient's contact is never returned)."""

    event_id: UUID
    channel: str
    status: DossierStatus
    message: str
    state: str
    created_at: datetime


def build_api(runtime: ServiceRuntime) -> APIRouter:
    api = APIRouter(prefix="/v1")

    @api.get("/dossiers/{code}/notifications", response_model=list[LedgerEntry])
    async def notifications(code: str) -> list[LedgerEntry]:
        """Every message sent about the dossier, oldest first."""
        async with runtime.db.acquire() as connection:
            rows = await repository.for_dossier(connection, code)
        return [LedgerEntry.model_validate(dict(row)) for row in rows]

    return api
