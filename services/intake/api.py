"""Intake's HTTP API for portals and counters."""

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.intake import handlers
from services.intake.adapters import repository
from services.intake.domain.submission import SubmissionRejectedError
from services.intake.settings import IntakeSettings
from shared.contracts import Applicant, DossierStatus
from shared.http_problems import field_error, problem
from shared.idempotency import (
    IdempotencyKeyReusedError,
    StoredAnswer,
    answer_once,
    request_fingerprint,
)
from shared.runtime import ServiceRuntime


class DossierSubmission(BaseModel):
    """A dossier filed at a counter or pushed by a portal."""

    model_config = ConfigDict(extra="forbid")

    procedure_code: str = Field(examples=["1.001193"], description="National procedure code.")
    applicant: Applicant
    receiving_agency: str = Field(examples=["000.00.15.H40"], description="Electronic id of the receiving centre.")
    commune_code: str = Field(
        pattern=r"^\d{5}$", examples=["17179"], description="Commune the dossier concerns (residence, land...)."
    )


class DossierAccepted(BaseModel):
    id: str
    code: str
    status: DossierStatus
    received_at: datetime
    due_at: datetime
    links: dict[str, str]


class HistoryEntry(BaseModel):
    status: DossierStatus
    unit: str | None
    note: str | None
    at: datetime


class DossierView(BaseModel):
    code: str
    procedure_code: str
    status: DossierStatus
    portal_status_code: int
    receiving_agency: str
    commune_code: str
    handling_unit: str | None
    received_at: datetime
    due_at: datetime | None
    updated_at: datetime
    history: list[HistoryEntry]


def build_api(runtime: ServiceRuntime, settings: IntakeSettings) -> APIRouter:
    api = APIRouter(prefix="/v1")
    timezone = ZoneInfo(settings.timezone)

    @api.post("/dossiers", status_code=202, response_model=DossierAccepted, responses={422: {}, 409: {}})
    async def submit_dossier(
        submission: DossierSubmission,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
        x_client_id: Annotated[str, Header(max_length=100)] = "counter",
    ) -> JSONResponse:
        """Receive a dossier: 202 with its code; retried with the same Idempotency-Key, the same answer."""
        fingerprint = request_fingerprint(submission.model_dump(mode="json"))
        command = handlers.SubmitDossier(
            client_id=x_client_id,
            procedure_code=submission.procedure_code,
            applicant=submission.applicant,
            receiving_agency=submission.receiving_agency,
            commune_code=submission.commune_code,
        )

        async def receive(connection: asyncpg.Connection) -> StoredAnswer:
            received = await handlers.submit_dossier(
                connection, command, now=datetime.now(UTC), timezone=timezone, topic_prefix=settings.topic_prefix
            )
            body = DossierAccepted(
                id=str(received.dossier_id),
                code=received.code,
                status=DossierStatus.RECEIVING,
                received_at=received.received_at,
                due_at=received.due_at,
                links={"self": f"/v1/dossiers/{received.code}"},
            )
            return StoredAnswer(202, body.model_dump(mode="json"))

        try:
            answer = await answer_once(runtime.db, x_client_id, idempotency_key, fingerprint, receive)
        except SubmissionRejectedError as error:
            return problem(422, "Dossier not acceptable", [field_error(error.field, error.reason)])
        except IdempotencyKeyReusedError as error:
            return problem(409, "Idempotency-Key reused", [field_error("Idempotency-Key", str(error))])
        return JSONResponse(answer.body, status_code=answer.status_code)

    @api.get("/dossiers/{code}", response_model=DossierView, responses={404: {}})
    async def get_dossier(code: str) -> DossierView | JSONResponse:
        """Status and history of a dossier."""
        async with runtime.db.acquire() as connection:
            row = await repository.find_dossier(connection, code)
            if row is None:
                return problem(404, "No such dossier", [field_error("code", f"no dossier has code {code!r}")])
            entries = await repository.history(connection, row["id"])
        return DossierView.model_validate(
            {
                **dict(row),
                "portal_status_code": DossierStatus(row["status"]).portal_code,
                "history": [dict(entry) for entry in entries],
            }
        )

    return api
