"""Intake's HTTP API for portals and counters."""

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.intake import handlers
from services.intake.adapters import repository
from services.intake.domain.lifecycle import DossierActionError
from services.intake.domain.submission import SubmissionRejectedError
from services.intake.settings import IntakeSettings
from shared.contracts import Applicant, DossierStatus
from shared.http_problems import field_error, problem
from shared.idempotency import (
    Action,
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
    components: list[Annotated[str, Field(max_length=100)]] = Field(
        default=[],
        max_length=20,
        examples=[["residence", "health-insurance"]],
        description="Parts of an inter-connected procedure the applicant chose; required parts are added.",
    )


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class SupplementSubmission(BaseModel):
    """What the applicant hands in after a unit asked for supplements."""

    model_config = ConfigDict(extra="forbid")

    documents: list[Annotated[Text, StringConstraints(max_length=500)]] = Field(
        min_length=1, max_length=100, examples=[["Sơ đồ thửa đất"]], description="Every paper handed in."
    )
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class Withdrawal(BaseModel):
    """The applicant gives up a dossier that is not finished yet."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[Text, StringConstraints(max_length=2000)] = Field(examples=["Gia đình nộp lại hồ sơ khác"])


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
    components: list[str] = Field(description="Parts of an inter-connected procedure the dossier runs.")
    missing: list[str] = Field(description="What the applicant must hand in; empty unless the dossier is waiting.")
    history: list[HistoryEntry]


async def dossier_view(connection: asyncpg.Connection, code: str) -> DossierView | None:
    row = await repository.find_dossier(connection, code)
    if row is None:
        return None
    status = DossierStatus(row["status"])
    entries = await repository.history(connection, row["id"])
    return DossierView.model_validate(
        {
            **dict(row),
            "portal_status_code": status.portal_code,
            "missing": row["missing"] if status is DossierStatus.WAITING else [],
            "history": [dict(entry) for entry in entries],
        }
    )


def _unknown(code: str) -> JSONResponse:
    return problem(404, "No such dossier", [field_error("code", f"no dossier has code {code!r}")])


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
        # Without components the fingerprint stays what it was before they existed.
        fingerprint = request_fingerprint(
            submission.model_dump(mode="json", exclude=None if submission.components else {"components"})
        )
        command = handlers.SubmitDossier(
            client_id=x_client_id,
            procedure_code=submission.procedure_code,
            applicant=submission.applicant,
            receiving_agency=submission.receiving_agency,
            commune_code=submission.commune_code,
            components=tuple(submission.components),
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

    @api.post("/dossiers/{code}/supplements", status_code=202, response_model=DossierView, responses={404: {}, 409: {}})
    async def supplement_dossier(
        code: str,
        supplement: SupplementSubmission,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
        x_client_id: Annotated[str, Header(max_length=100)] = "counter",
    ) -> JSONResponse:
        """Hand in what a unit asked for while the dossier is waiting; its task resumes."""
        fingerprint = request_fingerprint({"supplement": code, **supplement.model_dump(mode="json")})
        command = handlers.SupplementDossier(code, tuple(supplement.documents), supplement.note or None)

        async def hand_in(connection: asyncpg.Connection) -> StoredAnswer:
            await handlers.supplement_dossier(
                connection, command, now=datetime.now(UTC), topic_prefix=settings.topic_prefix
            )
            return await _accepted(connection, code)

        return await _answer(x_client_id, idempotency_key, fingerprint, code, hand_in, "Supplements not accepted")

    @api.post("/dossiers/{code}/withdrawal", status_code=202, response_model=DossierView, responses={404: {}, 409: {}})
    async def withdraw_dossier(
        code: str,
        withdrawal: Withdrawal,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
        x_client_id: Annotated[str, Header(max_length=100)] = "counter",
    ) -> JSONResponse:
        """Withdraw a dossier that is not finished; routing cancels its open tasks and then the dossier."""
        fingerprint = request_fingerprint({"withdrawal": code, **withdrawal.model_dump(mode="json")})
        command = handlers.WithdrawDossier(code, withdrawal.reason)

        async def withdraw(connection: asyncpg.Connection) -> StoredAnswer:
            await handlers.withdraw_dossier(
                connection, command, now=datetime.now(UTC), topic_prefix=settings.topic_prefix
            )
            return await _accepted(connection, code)

        return await _answer(x_client_id, idempotency_key, fingerprint, code, withdraw, "Withdrawal not accepted")

    async def _accepted(connection: asyncpg.Connection, code: str) -> StoredAnswer:
        view = await dossier_view(connection, code)
        assert view is not None
        return StoredAnswer(202, view.model_dump(mode="json"))

    async def _answer(
        client_id: str, key: str | None, fingerprint: str, code: str, action: Action, refused: str
    ) -> JSONResponse:
        try:
            answer = await answer_once(runtime.db, client_id, key, fingerprint, action)
        except handlers.DossierNotFoundError:
            return _unknown(code)
        except DossierActionError as error:
            return problem(409, refused, [field_error("status", str(error))], detail=f"current status: {error.status}")
        except IdempotencyKeyReusedError as error:
            return problem(409, "Idempotency-Key reused", [field_error("Idempotency-Key", str(error))])
        return JSONResponse(answer.body, status_code=answer.status_code)

    @api.get("/dossiers/{code}", response_model=DossierView, responses={404: {}})
    async def get_dossier(code: str) -> DossierView | JSONResponse:
        """Status and history of a dossier; when it is waiting, what the applicant must hand in."""
        async with runtime.db.acquire() as connection:
            view = await dossier_view(connection, code)
        return _unknown(code) if view is None else view

    return api
