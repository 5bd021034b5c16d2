"""Stand-in for the National Public Service Portal's status sync: ``POST /api/v1/dossiers/status-sync``.

A ``sync_id`` seen before is accepted again as a duplicate and changes nothing;
``GET /api/v1/dossiers/{dossier_code}/statuses`` shows what the portal holds for a dossier.
"""

import os
from datetime import datetime

from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel, ConfigDict, Field

from standins.control import Standin, standin_app
from standins.refusals import answer_refusals, bearer


class StatusSync(BaseModel):
    """One change of a dossier's status, as the portal takes it."""

    model_config = ConfigDict(extra="forbid")

    sync_id: str = Field(description="The sender's idempotency key.")
    dossier_code: str
    portal_dossier_id: str | None = None
    procedure_code: str
    applicant_id: str = Field(pattern=r"^\d{12}$", description="The 12-digit personal identification number.")
    applicant_name: str
    received_date: datetime
    due_date: datetime
    status_code: int = Field(ge=1, le=11)
    status: str
    handling_unit: str | None = None
    result_date: datetime | None = None
    changed_at: datetime


class SyncAccepted(BaseModel):
    """The portal took the status (or had already taken it: ``duplicate``)."""

    accepted: bool = True
    duplicate: bool


def portal_app(standin: Standin | None = None, *, token: str | None = None) -> FastAPI:
    """The portal; the token defaults to ``STANDIN_PORTAL_TOKEN`` (else ``local-portal-token``)."""
    standin = standin or Standin("public service portal")
    expected = token or os.environ.get("STANDIN_PORTAL_TOKEN", "local-portal-token")
    syncs: dict[str, StatusSync] = {}  # by sync_id, in order of arrival
    standin.on_reset.append(syncs.clear)
    router = APIRouter(tags=["public service portal"])

    @router.post("/api/v1/dossiers/status-sync", dependencies=[Depends(standin.misbehave), Depends(bearer(expected))])
    async def sync_status(sync: StatusSync) -> SyncAccepted:
        """Take one status change, or recognise a sync_id already taken."""
        duplicate = sync.sync_id in syncs
        syncs.setdefault(sync.sync_id, sync)
        standin.record("status-sync", sync.model_dump(mode="json"), duplicate=duplicate)
        return SyncAccepted(duplicate=duplicate)

    @router.get("/api/v1/dossiers/{dossier_code}/statuses")
    async def statuses(dossier_code: str) -> list[StatusSync]:
        """The statuses the portal shows for a dossier, in order of arrival (for tests and operators)."""
        return [sync for sync in syncs.values() if sync.dossier_code == dossier_code]

    app = answer_refusals(standin_app(standin, router))
    app.state.standin = standin
    return app
