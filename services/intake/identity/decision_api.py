"""The receiving clerk's decision on an applicant's identity the population database did not verify."""

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.intake import access
from services.intake.adapters.postgres_database import PostgresIntakeDatabase
from services.intake.domain.identity_decision import (
    Decision,
    Evidence,
    EvidenceKind,
    IdentityDecisionError,
    IncompleteDecisionError,
)
from services.intake.handlers import DossierNotFoundError, Work
from services.intake.identity.changes import DecideIdentity, decide_identity
from services.intake.store import IntakeStore, Request
from services.intake.views import DossierView, dossier_view
from shared.contracts import IdentityDecision
from shared.kernel.auth.http import ClerkCaller, forbidden
from shared.kernel.http_problems import field_error, problem, problems
from shared.kernel.idempotency import IdempotencyKeyReusedError, StoredAnswer, request_fingerprint
from shared.kernel.runtime import ServiceRuntime

MEANINGS = {
    400: "Malformed JSON (field `body`).",
    401: "No valid bearer token (field `Authorization`).",
    403: "Not a clerk's token, or the clerk is not a receiver of any centre (field `Authorization` or `roles`).",
    404: "No dossier has this code among those received at the clerk's centres.",
    409: "Nothing to decide (field `identity`: verified or unchecked, or decided before), the dossier is finished"
    " (field `status`), or the `Idempotency-Key` was used for another request.",
    422: "A field is missing or invalid: a confirmation without `evidence`, a refusal without `reason`.",
}


class EvidenceSeen(BaseModel):
    """The paper the receiver saw: its kind and at most the last 4 characters of its number, nothing more."""

    model_config = ConfigDict(extra="forbid")

    kind: EvidenceKind
    number_last4: str | None = Field(
        default=None, pattern=r"^[0-9A-Za-z]{1,4}$", examples=["0123"], description="At most its last 4 characters."
    )


class IdentityDecisionBody(BaseModel):
    """`confirmed` with the `evidence` seen, or `refused` with the `reason` the applicant is told."""

    model_config = ConfigDict(extra="forbid")

    decision: IdentityDecision
    evidence: EvidenceSeen | None = None
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = Field(
        default=None, examples=["Người nộp không xuất trình được giấy tờ tùy thân"]
    )


def build_decision_api(runtime: ServiceRuntime[IntakeStore]) -> APIRouter:
    api = APIRouter(prefix="/v1")
    database = PostgresIntakeDatabase(runtime.transactions)

    @api.post(
        "/dossiers/{code}/identity-decision",
        response_model=DossierView,
        responses=problems(MEANINGS, 400, 401, 403, 404, 409, 422),
    )
    async def decide(
        code: str,
        caller: ClerkCaller,
        body: IdentityDecisionBody,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> JSONResponse:
        """Decide on an applicant whose identity check `failed` or is `pending`: a receiver of the centre where
        the dossier was received confirms who they are, with the paper seen, or refuses the dossier.

        Until one confirms, the dossier's last stage cannot be approved. A refusal refuses the dossier
        (its open tasks are cancelled and the applicant is told the reason). The decision is journalled with
        the kind of paper and at most 4 characters of its number; it is taken once.
        """
        if not any(caller.receives_at(unit) for unit in caller.units):
            raise forbidden("deciding on an identity needs the receiver role of the dossier's centre", field="roles")
        found = await access.parties(database, code)
        if found is None or not caller.receives_at(found.receiving_agency):
            return _unknown(code)
        evidence = Evidence(body.evidence.kind, body.evidence.number_last4) if body.evidence else None
        command = DecideIdentity(code, Decision(body.decision, evidence, body.reason or None), caller.id)
        fingerprint = request_fingerprint({"identity-decision": code, **body.model_dump(mode="json")})

        async def take(uow: Work) -> StoredAnswer:
            await decide_identity(uow, command)
            view = await dossier_view(uow.store, code)
            assert view is not None
            return StoredAnswer(200, view.model_dump(mode="json"))

        try:
            answer = await database.answer_once(Request(caller.client_id, idempotency_key, fingerprint), take)
        except DossierNotFoundError:
            return _unknown(code)
        except IncompleteDecisionError as error:
            return problem(422, "Decision incomplete", [field_error(error.field, str(error))])
        except IdentityDecisionError as error:
            return problem(409, "Nothing to decide", [field_error(error.field, str(error))])
        except IdempotencyKeyReusedError as error:
            return problem(409, "Idempotency-Key reused", [field_error("Idempotency-Key", str(error))])
        return JSONResponse(answer.body, status_code=answer.status_code)

    return api


def _unknown(code: str) -> JSONResponse:
    return problem(404, "No such dossier", [field_error("code", f"no dossier has code {code!r}")])
