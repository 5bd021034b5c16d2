"""A receiver of the dossier's centre hands the signed result to the applicant at the counter."""

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from services.intake import access
from services.intake.handlers import DossierNotFoundError, Work
from services.intake.returns.handlers import HandOverResult, hand_over
from services.intake.returns.rules import ResultReturnError
from services.intake.store import IntakeDatabase, Request
from services.intake.views import DossierView, dossier_view
from shared.kernel.auth.http import ClerkCaller, forbidden
from shared.kernel.http_problems import field_error, problem, problems
from shared.kernel.idempotency import IdempotencyKeyReusedError, StoredAnswer, request_fingerprint

MEANINGS = {
    401: "No valid bearer token (field `Authorization`).",
    403: "Not a clerk's token, or the clerk is not a receiver of any centre (field `Authorization` or `roles`).",
    404: "No dossier has this code among those received at the clerk's centres.",
    409: "No result is waiting to be returned (field `status`: the dossier is not releasing; field `result`: none"
    " kept yet, or returned already), or the `Idempotency-Key` was used for another request.",
}


def build_counter_api(database: IntakeDatabase) -> APIRouter:
    api = APIRouter(prefix="/v1")

    @api.post(
        "/dossiers/{code}/result-handover",
        response_model=DossierView,
        responses=problems(MEANINGS, 401, 403, 404, 409),
    )
    async def hand_over_result(
        code: str,
        caller: ClerkCaller,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> JSONResponse:
        """Hand the dossier's signed result to the applicant at the centre, while the dossier is `releasing`.

        By a receiver of the centre where the dossier was received. Returns the result once: routing
        then marks the dossier `done` (portal code 10) and the issuing unit's on-time figure counts
        this moment. A second hand-over answers 409; retried with the same Idempotency-Key, the first
        answer.
        """
        if not any(caller.receives_at(unit) for unit in caller.units):
            raise forbidden("handing over a result needs the receiver role of the dossier's centre", field="roles")
        found = await access.parties(database, code)
        if found is None or not caller.receives_at(found.receiving_agency):
            return _unknown(code)

        async def give(uow: Work) -> StoredAnswer:
            await hand_over(uow, HandOverResult(code, caller.id))
            view = await dossier_view(uow.store, code)
            assert view is not None
            return StoredAnswer(200, view.model_dump(mode="json"))

        request = Request(caller.client_id, idempotency_key, request_fingerprint({"result-handover": code}))
        try:
            answer = await database.answer_once(request, give)
        except DossierNotFoundError:
            return _unknown(code)
        except ResultReturnError as error:
            errors = [field_error(error.field, str(error))]
            return problem(409, "No result to hand over", errors, detail=f"current status: {error.status.value}")
        except IdempotencyKeyReusedError as error:
            return problem(409, "Idempotency-Key reused", [field_error("Idempotency-Key", str(error))])
        return JSONResponse(answer.body, status_code=answer.status_code)

    return api


def _unknown(code: str) -> JSONResponse:
    return problem(404, "No such dossier", [field_error("code", f"no dossier has code {code!r}")])
