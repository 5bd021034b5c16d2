"""Intake's HTTP API for portals and counters."""

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from services.intake import handlers
from services.intake.adapters import repository
from services.intake.domain.lifecycle import DossierActionError
from services.intake.domain.submission import SubmissionRejectedError
from services.intake.identity.checker import IdentityChecker
from services.intake.requests import DossierSubmission, SupplementSubmission, Withdrawal
from services.intake.settings import IntakeSettings
from services.intake.views import DossierAccepted, DossierView, accepted_view, dossier_view
from shared.contracts import Applicant
from shared.kernel.http_problems import field_error, problem, problems
from shared.kernel.idempotency import (
    Action,
    IdempotencyKeyReusedError,
    StoredAnswer,
    answer_once,
    request_fingerprint,
    stored_answer,
)
from shared.kernel.runtime import ServiceRuntime

MEANINGS = {
    400: "Malformed JSON (field `body`).",
    404: "No dossier has this code.",
    409: "The dossier's status does not allow this, or the `Idempotency-Key` was used for another request.",
    422: "A field is missing or invalid; each error names it (for the citizen ID, the digit group that is wrong).",
}


def _unknown(code: str) -> JSONResponse:
    return problem(404, "No such dossier", [field_error("code", f"no dossier has code {code!r}")])


def build_api(
    runtime: ServiceRuntime[asyncpg.Connection], settings: IntakeSettings, checker: IdentityChecker
) -> APIRouter:
    api = APIRouter(prefix="/v1")
    timezone = ZoneInfo(settings.timezone)

    @api.post(
        "/dossiers",
        status_code=202,
        response_model=DossierAccepted,
        responses={
            200: {"model": DossierAccepted, "description": "The portal dossier id was received before: that dossier."},
            **problems(MEANINGS, 400, 409, 422),
        },
    )
    async def submit_dossier(
        submission: DossierSubmission,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
        x_client_id: Annotated[str, Header(max_length=100)] = "counter",
    ) -> JSONResponse:
        """Receive a dossier: 202 with its code, due date and the check of the applicant's identity.

        The citizen ID must fit the date of birth (province, century and year digits), or 422 names
        the digit group. The National Population Database is then asked once, within a timeout; its
        answer never stops the dossier: a mismatch is received as identity `failed`, no answer as
        `pending` (checked again automatically). Retried with the same Idempotency-Key, the first
        answer; pushed again with the same `portal_dossier_id`, 200 with the dossier received first.
        """
        # Without components or a portal id the fingerprint stays what it was before they existed.
        unset = {name for name in ("components", "portal_dossier_id") if not getattr(submission, name)}
        fingerprint = request_fingerprint(submission.model_dump(mode="json", exclude=unset or None))
        command = handlers.SubmitDossier(
            client_id=x_client_id,
            procedure_code=submission.procedure_code,
            applicant=Applicant.model_validate(submission.applicant.model_dump()),
            receiving_agency=submission.receiving_agency,
            commune_code=submission.commune_code,
            components=tuple(submission.components),
            portal_dossier_id=submission.portal_dossier_id,
        )
        try:
            earlier = await _replayed(x_client_id, idempotency_key, fingerprint)
            if earlier is None:
                accepted = handlers.check_submission(command, today=datetime.now(timezone).date())
                earlier = await _pushed_before(command.portal_dossier_id)
            if earlier is not None:
                return JSONResponse(earlier.body, status_code=earlier.status_code)
            # Asked before any transaction opens: no lock or connection waits on the population database.
            identity = await checker.check_applicant(command.applicant)

            async def receive(connection: asyncpg.Connection) -> StoredAnswer:
                received = await handlers.submit_dossier(
                    runtime.unit_of_work(connection),
                    command,
                    timezone=timezone,
                    accepted=accepted,
                    identity=identity,
                )
                row = await repository.find_dossier_by_id(connection, received.dossier_id)
                assert row is not None
                return StoredAnswer(202 if received.created else 200, accepted_view(row).model_dump(mode="json"))

            answer = await answer_once(runtime.db, x_client_id, idempotency_key, fingerprint, receive)
        except SubmissionRejectedError as error:
            return problem(422, "Dossier not acceptable", [field_error(error.field, error.reason)])
        except IdempotencyKeyReusedError as error:
            return problem(409, "Idempotency-Key reused", [field_error("Idempotency-Key", str(error))])
        return JSONResponse(answer.body, status_code=answer.status_code)

    async def _replayed(client_id: str, key: str | None, fingerprint: str) -> StoredAnswer | None:
        """The first answer to a retried Idempotency-Key, without asking the population database again."""
        if not key:
            return None
        async with runtime.db.acquire() as connection:
            return await stored_answer(connection, client_id, key, fingerprint)

    async def _pushed_before(portal_dossier_id: str | None) -> StoredAnswer | None:
        """The dossier a second push of the same portal id gets, without asking the population database again."""
        if portal_dossier_id is None:
            return None
        async with runtime.db.acquire() as connection:
            row = await repository.find_portal_dossier(connection, portal_dossier_id)
        return None if row is None else StoredAnswer(200, accepted_view(row).model_dump(mode="json"))

    @api.post(
        "/dossiers/{code}/supplements",
        status_code=202,
        response_model=DossierView,
        responses=problems(MEANINGS, 400, 404, 409, 422),
    )
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
            await handlers.supplement_dossier(runtime.unit_of_work(connection), command)
            return await _accepted(connection, code)

        return await _answer(x_client_id, idempotency_key, fingerprint, code, hand_in, "Supplements not accepted")

    @api.post(
        "/dossiers/{code}/withdrawal",
        status_code=202,
        response_model=DossierView,
        responses=problems(MEANINGS, 400, 404, 409, 422),
    )
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
            await handlers.withdraw_dossier(runtime.unit_of_work(connection), command)
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

    @api.get("/dossiers/{code}", response_model=DossierView, responses=problems(MEANINGS, 404, 422))
    async def get_dossier(code: str) -> DossierView | JSONResponse:
        """Status and history of a dossier; when it is waiting, what the applicant must hand in."""
        async with runtime.db.acquire() as connection:
            view = await dossier_view(connection, code)
        return _unknown(code) if view is None else view

    return api
