"""Intake's HTTP API for portals and counters."""

from collections.abc import Awaitable, Callable
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from services.intake import answers, handlers
from services.intake.adapters.postgres_database import PostgresIntakeDatabase
from services.intake.domain.lifecycle import DossierActionError
from services.intake.domain.submission import SubmissionRejectedError
from services.intake.identity.checker import IdentityChecker
from services.intake.requests import DossierSubmission, SupplementSubmission, Withdrawal
from services.intake.settings import IntakeSettings
from services.intake.store import IntakeStore, Request
from services.intake.views import DossierAccepted, DossierView
from shared.contracts import Applicant
from shared.kernel.http_problems import field_error, problem, problems
from shared.kernel.idempotency import IdempotencyKeyReusedError, StoredAnswer, request_fingerprint
from shared.kernel.runtime import ServiceRuntime

MEANINGS = {
    400: "Malformed JSON (field `body`).",
    404: "No dossier has this code.",
    409: "The dossier's status does not allow this, or the `Idempotency-Key` was used for another request.",
    422: "A field is missing or invalid; each error names it (for the citizen ID, the digit group that is wrong).",
}


def _unknown(code: str) -> JSONResponse:
    return problem(404, "No such dossier", [field_error("code", f"no dossier has code {code!r}")])


def build_api(runtime: ServiceRuntime[IntakeStore], settings: IntakeSettings, checker: IdentityChecker) -> APIRouter:
    api = APIRouter(prefix="/v1")
    intake = answers.Intake(
        PostgresIntakeDatabase(runtime.transactions), checker, ZoneInfo(settings.timezone), runtime.clock
    )

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
            answer = await answers.receive(intake, Request(x_client_id, idempotency_key, fingerprint), command)
        except SubmissionRejectedError as error:
            return problem(422, "Dossier not acceptable", [field_error(error.field, error.reason)])
        except IdempotencyKeyReusedError as error:
            return _key_reused(error)
        return JSONResponse(answer.body, status_code=answer.status_code)

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
        request = Request(x_client_id, idempotency_key, fingerprint)
        command = handlers.SupplementDossier(code, tuple(supplement.documents), supplement.note or None)
        return await _answer(code, "Supplements not accepted", lambda: answers.supplement(intake, request, command))

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
        request = Request(x_client_id, idempotency_key, fingerprint)
        command = handlers.WithdrawDossier(code, withdrawal.reason)
        return await _answer(code, "Withdrawal not accepted", lambda: answers.withdraw(intake, request, command))

    @api.get("/dossiers/{code}", response_model=DossierView, responses=problems(MEANINGS, 404, 422))
    async def get_dossier(code: str) -> DossierView | JSONResponse:
        """Status and history of a dossier; when it is waiting, what the applicant must hand in."""
        view = await answers.dossier(intake, code)
        return _unknown(code) if view is None else view

    return api


async def _answer(code: str, refused: str, ask: Callable[[], Awaitable[StoredAnswer]]) -> JSONResponse:
    """The answer to an applicant's action on dossier ``code``, or the problem that refused it."""
    try:
        answer = await ask()
    except handlers.DossierNotFoundError:
        return _unknown(code)
    except DossierActionError as error:
        return problem(409, refused, [field_error("status", str(error))], detail=f"current status: {error.status}")
    except IdempotencyKeyReusedError as error:
        return _key_reused(error)
    return JSONResponse(answer.body, status_code=answer.status_code)


def _key_reused(error: IdempotencyKeyReusedError) -> JSONResponse:
    return problem(409, "Idempotency-Key reused", [field_error("Idempotency-Key", str(error))])
