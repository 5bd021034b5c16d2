"""Intake's HTTP API for portals and counters; who may call each operation is in :mod:`services.intake.access`."""

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse

from services.intake import access, answers, handlers
from services.intake.acting import may_act
from services.intake.actors import journal_actor
from services.intake.adapters.postgres_database import PostgresIntakeDatabase
from services.intake.documents.api import build_documents_api
from services.intake.documents.store import Attachment
from services.intake.domain.document_file import document_owner
from services.intake.domain.lifecycle import DossierActionError
from services.intake.domain.submission import SubmissionRejectedError
from services.intake.identity.checker import IdentityChecker
from services.intake.lookup import build_lookup_api
from services.intake.receipt import CompleteDossier, RefuseAcceptance
from services.intake.requests import (
    AcceptanceRefusal,
    Completion,
    DossierSubmission,
    HandedIn,
    SupplementSubmission,
    SuppliedDocument,
    Withdrawal,
)
from services.intake.returns.download_api import build_download_api
from services.intake.secret_access import SecretHolder, secret_check, token_or_secret
from services.intake.settings import IntakeSettings
from services.intake.store import IntakeStore, Request
from services.intake.views import DossierAccepted, DossierView
from shared.contracts import Applicant, DocumentRole, ResultDelivery
from shared.kernel.auth.callers import Caller
from shared.kernel.auth.http import AnyCaller, ClerkCaller, forbidden
from shared.kernel.http_problems import field_error, problem, problems
from shared.kernel.idempotency import IdempotencyKeyReusedError, StoredAnswer, request_fingerprint
from shared.kernel.object_store import ObjectStore
from shared.kernel.runtime import ServiceRuntime

MEANINGS = {
    400: "Malformed JSON (field `body`).",
    401: "No valid bearer token (field `Authorization`).",
    403: "The token has not the scope or role this needs (field `scope`, `roles` or `receiving_agency`).",
    404: "No dossier has this code among those the caller may reach (their province, centre or person).",
    409: "The dossier's status does not allow this, or the `Idempotency-Key` was used for another request.",
    429: "Too many wrong lookup secrets from this address: try again after `Retry-After` seconds.",
    422: "A field is missing or invalid; each error names it (for the citizen ID, the digit group that is wrong; for"
    " a document, `documents.<i>.document_id` when it is not the caller's or the dossier's, `documents.<i>"
    ".catalogue_key` when the procedure has no such document).",
}


def _unknown(code: str) -> JSONResponse:
    return problem(404, "No such dossier", [field_error("code", f"no dossier has code {code!r}")])


def build_api(
    runtime: ServiceRuntime[IntakeStore], settings: IntakeSettings, checker: IdentityChecker, objects: ObjectStore
) -> APIRouter:
    api = APIRouter(prefix="/v1")
    database = PostgresIntakeDatabase(runtime.transactions)
    check = secret_check(database, settings)
    intake = answers.Intake(database, checker, ZoneInfo(settings.timezone), runtime.clock, check.hasher)
    api.include_router(build_lookup_api(intake, check))
    api.include_router(build_download_api(database, check, objects))
    api.include_router(build_documents_api(database, objects, check, max_bytes=settings.document_max_bytes))
    applicant = Depends(token_or_secret(check))

    @api.post(
        "/dossiers",
        status_code=202,
        response_model=DossierAccepted,
        responses={
            200: {"model": DossierAccepted, "description": "The portal dossier id was received before: that dossier."},
            **problems(MEANINGS, 400, 401, 403, 409, 422),
        },
    )
    async def submit_dossier(
        submission: DossierSubmission,
        caller: AnyCaller,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> JSONResponse:
        """Receive a dossier: 202 with its code, status, due date and the check of the applicant's identity.

        The papers are documents the filer uploaded before (`POST /v1/documents`), each with its catalogue key.
        Complete (every required document of the procedure and the chosen components, no receipt fee to pay),
        it is `received` with its due date; otherwise it is filed `new`, with no due date yet and `missing`
        listing what it lacks: papers handed in later (`POST .../components`) or its fees paid receive it.

        The citizen ID must fit the date of birth (province, century and year digits), or 422 names
        the digit group. The National Population Database is then asked once, within a timeout; its
        answer never stops the dossier: a mismatch is received as identity `failed`, no answer as
        `pending` (checked again automatically). Retried with the same Idempotency-Key, the first
        answer; pushed again with the same `portal_dossier_id`, 200 with the dossier received first.

        Filed by an integrator with `dossiers:submit` allowed at the `receiving_agency`, or by a clerk
        with role `receiver` there; the client recorded is the token's (`clerk:<id>` for a clerk).
        """
        access.check_filing(caller, submission.receiving_agency)
        # Without components or a portal id the fingerprint stays what it was before they existed.
        optional = ("components", "portal_dossier_id", "documents", "postal_address")
        unset = {name for name in optional if not getattr(submission, name)}
        if submission.result_delivery is ResultDelivery.COUNTER:
            unset.add("result_delivery")
        fingerprint = request_fingerprint(submission.model_dump(mode="json", exclude=unset or None))
        command = handlers.SubmitDossier(
            client_id=caller.client_id,
            procedure_code=submission.procedure_code,
            applicant=Applicant.model_validate(submission.applicant.model_dump()),
            receiving_agency=submission.receiving_agency,
            commune_code=submission.commune_code,
            components=tuple(submission.components),
            portal_dossier_id=submission.portal_dossier_id,
            documents=_attachments(submission.documents, DocumentRole.COMPONENT),
            result_delivery=submission.result_delivery,
            postal_address=submission.postal_address,
        )
        try:
            answer = await answers.receive(intake, Request(caller.client_id, idempotency_key, fingerprint), command)
        except SubmissionRejectedError as error:
            return problem(422, "Dossier not acceptable", [field_error(error.field, error.reason)])
        except IdempotencyKeyReusedError as error:
            return _key_reused(error)
        return JSONResponse(answer.body, status_code=answer.status_code)

    @api.post(
        "/dossiers/{code}/supplements",
        status_code=202,
        response_model=DossierView,
        responses=problems(MEANINGS, 400, 401, 403, 404, 409, 422, 429),
    )
    async def supplement_dossier(
        code: str,
        caller: Annotated[Caller | SecretHolder, applicant],
        supplement: SupplementSubmission,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> JSONResponse:
        """Hand in what a unit asked for while the dossier is waiting; its task resumes.

        By the applicant (citizen token, or the receipt's lookup secret in `X-Lookup-Secret`), a
        receiver of the dossier's centre, or an integrator with `dossiers:submit` at that centre (a
        portal acting for the applicant).
        """
        if not await _may_act(caller, code):
            return _unknown(code)
        fingerprint = request_fingerprint({"supplement": code, **supplement.model_dump(mode="json")})
        request = Request(caller.client_id, idempotency_key, fingerprint)
        documents = _attachments(supplement.documents, DocumentRole.SUPPLEMENT)
        command = handlers.SupplementDossier(
            code, documents, supplement.note or None, actor=journal_actor(caller), owner=_owner(caller)
        )
        return await _answer(code, "Supplements not accepted", lambda: answers.supplement(intake, request, command))

    @api.post(
        "/dossiers/{code}/withdrawal",
        status_code=202,
        response_model=DossierView,
        responses=problems(MEANINGS, 400, 401, 403, 404, 409, 422, 429),
    )
    async def withdraw_dossier(
        code: str,
        caller: Annotated[Caller | SecretHolder, applicant],
        withdrawal: Withdrawal,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> JSONResponse:
        """Withdraw a dossier that is not finished; routing cancels its open tasks and then the dossier.

        By the applicant (citizen token, or the receipt's lookup secret in `X-Lookup-Secret`), a
        receiver of the dossier's centre, or an integrator with `dossiers:submit` at that centre (a
        portal acting for the applicant).
        """
        if not await _may_act(caller, code):
            return _unknown(code)
        fingerprint = request_fingerprint({"withdrawal": code, **withdrawal.model_dump(mode="json")})
        request = Request(caller.client_id, idempotency_key, fingerprint)
        command = handlers.WithdrawDossier(code, withdrawal.reason, actor=journal_actor(caller))
        return await _answer(code, "Withdrawal not accepted", lambda: answers.withdraw(intake, request, command))

    @api.post(
        "/dossiers/{code}/components",
        status_code=202,
        response_model=DossierView,
        responses=problems(MEANINGS, 400, 401, 403, 404, 409, 422, 429),
    )
    async def complete_dossier(
        code: str,
        caller: Annotated[Caller | SecretHolder, applicant],
        completion: Completion,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> JSONResponse:
        """Hand in papers a `new` dossier lacks; complete (and its receipt fees paid), it is received now and
        its due date counted from now, else 202 with what is still `missing`.

        Documents uploaded for the dossier (`POST /v1/dossiers/{code}/documents`) or by the caller. By the same
        callers as supplements.
        """
        if not await _may_act(caller, code):
            return _unknown(code)
        fingerprint = request_fingerprint({"components": code, **completion.model_dump(mode="json")})
        request = Request(caller.client_id, idempotency_key, fingerprint)
        documents = _attachments(completion.documents, DocumentRole.COMPONENT)
        command = CompleteDossier(code, documents, actor=journal_actor(caller), owner=_owner(caller))
        return await _answer(code, "Papers not accepted", lambda: answers.complete(intake, request, command))

    @api.post(
        "/dossiers/{code}/acceptance-refusal",
        status_code=202,
        response_model=DossierView,
        responses=problems(MEANINGS, 400, 401, 403, 404, 409, 422),
    )
    async def refuse_acceptance(
        code: str,
        caller: ClerkCaller,
        refusal: AcceptanceRefusal,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> JSONResponse:
        """The centre does not accept a `new` dossier (portal status 3, not accepted); the applicant is told why.

        By a receiver of the dossier's centre only; 409 unless the dossier is `new`.
        """
        if not any(caller.receives_at(unit) for unit in caller.units):
            raise forbidden("refusing a dossier at receipt needs the receiver role of its centre", field="roles")
        found = await access.parties(intake.database, code)
        if found is None or not caller.receives_at(found.receiving_agency):
            return _unknown(code)
        fingerprint = request_fingerprint({"acceptance-refusal": code, **refusal.model_dump(mode="json")})
        request = Request(caller.client_id, idempotency_key, fingerprint)
        command = RefuseAcceptance(code, refusal.reason, caller.id)
        return await _answer(code, "Refusal not possible", lambda: answers.refuse(intake, request, command))

    @api.get("/dossiers/{code}", response_model=DossierView, responses=problems(MEANINGS, 401, 403, 404, 422))
    async def get_dossier(code: str, caller: AnyCaller) -> DossierView | JSONResponse:
        """Status and history of a dossier; when it is waiting, what the applicant must hand in.

        For an integrator with `dossiers:read` for the dossier's province, a receiver of its centre,
        or its applicant (citizen token).
        """
        access.check_reading(caller, code)
        found = await access.parties(intake.database, code)
        if found is None or not access.may_read(caller, found):
            return _unknown(code)
        view = await answers.dossier(intake, code)
        return _unknown(code) if view is None else view

    async def _may_act(caller: Caller | SecretHolder, code: str) -> bool:
        return await may_act(intake.database, caller, code)

    return api


def _attachments(items: Sequence[HandedIn | SuppliedDocument], role: DocumentRole) -> tuple[Attachment, ...]:
    return tuple(Attachment(item.document_id, role, item.catalogue_key) for item in items)


def _owner(caller: Caller | SecretHolder) -> str:
    """Whose uploaded documents the caller may hand in (a lookup secret's holder: only the dossier's own)."""
    return "" if isinstance(caller, SecretHolder) else document_owner(caller.client_id)


async def _answer(code: str, refused: str, ask: Callable[[], Awaitable[StoredAnswer]]) -> JSONResponse:
    """The answer to an action on dossier ``code``, or the problem that refused it."""
    try:
        answer = await ask()
    except handlers.DossierNotFoundError:
        return _unknown(code)
    except SubmissionRejectedError as error:
        return problem(422, refused, [field_error(error.field, error.reason)])
    except DossierActionError as error:
        return problem(409, refused, [field_error("status", str(error))], detail=f"current status: {error.status}")
    except IdempotencyKeyReusedError as error:
        return _key_reused(error)
    return JSONResponse(answer.body, status_code=answer.status_code)


def _key_reused(error: IdempotencyKeyReusedError) -> JSONResponse:
    return problem(409, "Idempotency-Key reused", [field_error("Idempotency-Key", str(error))])
