"""Uploading documents: the raw file as the request's body, its name in the query; answered with what it is.

``POST /v1/documents`` uploads a paper to hand in with a dossier about to be filed (the caller's
own document); ``POST /v1/dossiers/{code}/documents`` uploads one for an existing dossier (the
dossier's document: supplements, papers completing a ``new`` dossier).
"""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from services.intake.acting import may_act
from services.intake.actors import journal_actor
from services.intake.documents.upload import Upload, upload
from services.intake.domain.document_file import (
    DocumentFile,
    DocumentFileError,
    LimitedBody,
    checked_name,
    document_file,
    document_owner,
    dossier_owner,
)
from services.intake.domain.lifecycle import DossierActionError, check_uploads_taken
from services.intake.secret_access import SecretCheck, SecretHolder, token_or_secret
from services.intake.store import Dossier, IntakeDatabase
from shared.contracts import DossierStatus, MediaType
from shared.kernel.auth.callers import Caller, Clerk, Integrator, Scope
from shared.kernel.auth.http import AnyCaller, forbidden
from shared.kernel.http_problems import ProblemError, field_error, problem, problems
from shared.kernel.object_store import ObjectStore, ObjectStoreUnavailableError

RETRY_AFTER_SECONDS = 5
MEANINGS = {
    401: "No valid bearer token (field `Authorization`).",
    403: "Neither an integrator with `dossiers:submit`, a receiver clerk nor a citizen (field `scope` or `roles`).",
    404: "No dossier has this code among those the caller may act on.",
    409: "The dossier is finished or was not accepted: it takes no more documents (field `status`).",
    413: "The body is larger than `LIENTHONG_DOCUMENT_MAX_BYTES` (field `body`); nothing was read past the limit.",
    415: "The content is not a PDF, JPEG or PNG (field `body`): the type is read from the bytes, not the name.",
    422: "The body is empty (field `body`) or the file name is missing, too long or holds a control character or a"
    " path separator (field `query.name`).",
    429: "Too many wrong lookup secrets from this address: try again after `Retry-After` seconds.",
    503: "The object store does not answer: nothing was stored; try again after `Retry-After` seconds.",
}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "description": "The file's bytes, as they are (PDF, JPEG or PNG; any Content-Type header).",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}
FileName = Annotated[
    str, Query(min_length=1, max_length=255, examples=["giay-chung-sinh.pdf"], description="The file's name.")
]


class DocumentUploaded(BaseModel):
    """A stored document: what it is, by the bytes received (never the body)."""

    document_id: UUID
    name: str
    media_type: MediaType = Field(description="As read from the content.")
    size: int = Field(description="Bytes.")
    sha256: str = Field(description="SHA-256 of the content, lowercase hex: the same bytes are the same document.")


async def uploader(caller: AnyCaller) -> Caller:
    """An integrator with ``dossiers:submit``, a receiver clerk (any centre) or a citizen, else 403.

    A dependency, so a caller without the right is refused before the request's own parameters are checked.
    """
    if isinstance(caller, Integrator) and not caller.has(Scope.SUBMIT):
        raise forbidden(f"uploading documents needs the scope {Scope.SUBMIT}")
    if isinstance(caller, Clerk) and not any(caller.receives_at(unit) for unit in caller.units):
        raise forbidden("uploading documents needs the receiver role of a centre", field="roles")
    return caller


Uploader = Annotated[Caller, Depends(uploader)]


def build_documents_api(
    database: IntakeDatabase, objects: ObjectStore, check: SecretCheck, *, max_bytes: int
) -> APIRouter:
    """The upload routes, to include in the router of intake's API (whose prefix they take)."""
    api = APIRouter()
    applicant = Depends(token_or_secret(check))

    async def dossier_uploader(
        code: str, caller: Annotated[Caller | SecretHolder, applicant]
    ) -> tuple[Caller | SecretHolder, Dossier]:
        """The caller and the dossier they upload for; 403 or 404 before the request's name is looked at."""
        if not await may_act(database, caller, code):
            raise _unknown(code)
        async with database.reading() as store:
            dossier = await store.dossier_by_code(code)
        if dossier is None:
            raise _unknown(code)
        return caller, dossier

    answers: dict[int | str, dict[str, Any]] = {
        200: {"model": DocumentUploaded, "description": "The caller uploaded the same bytes before: that document."},
    }

    @api.post(
        "/documents",
        status_code=201,
        response_model=DocumentUploaded,
        responses={**answers, **problems(MEANINGS, 401, 403, 413, 415, 422, 503)},
        openapi_extra=UPLOAD_BODY,
    )
    async def upload_document(request: Request, caller: Uploader, name: FileName) -> JSONResponse:
        """Upload a paper to hand in with a dossier: 201 with its id, type (read from the content), size and SHA-256.

        The same bytes uploaded again by the same caller answer 200 with the same document. Only its uploader may
        hand it in (`documents` of `POST /v1/dossiers`, of supplements, of papers completing a dossier). For an
        integrator with `dossiers:submit`, a receiver clerk (any centre) or a citizen.
        """
        file = await _file(request, name, max_bytes)
        return await _stored(Upload(file, document_owner(caller.client_id), journal_actor(caller)))

    @api.post(
        "/dossiers/{code}/documents",
        status_code=201,
        response_model=DocumentUploaded,
        responses={**answers, **problems(MEANINGS, 401, 403, 404, 409, 413, 415, 422, 429, 503)},
        openapi_extra=UPLOAD_BODY,
    )
    async def upload_dossier_document(
        code: str,
        request: Request,
        acting: Annotated[tuple[Caller | SecretHolder, Dossier], Depends(dossier_uploader)],
        name: FileName,
    ) -> JSONResponse:
        """Upload a document for the dossier (a supplement, a paper completing a `new` dossier): 201 with what it is.

        The document is the dossier's: whoever may act on the dossier hands it in. By the applicant (citizen
        token, or the receipt's lookup secret in `X-Lookup-Secret`), a receiver of the dossier's centre, or an
        integrator with `dossiers:submit` at that centre.
        """
        caller, dossier = acting
        try:
            check_uploads_taken(DossierStatus(dossier["status"]))
        except DossierActionError as error:
            return problem(409, "No more documents", [field_error("status", str(error))])
        file = await _file(request, name, max_bytes)
        return await _stored(Upload(file, dossier_owner(dossier["id"]), journal_actor(caller), chain=code))

    async def _stored(made: Upload) -> JSONResponse:
        try:
            answer = await upload(database, objects, made)
        except ObjectStoreUnavailableError as error:
            raise ProblemError(
                503,
                "Object store unavailable",
                [field_error("body", f"the document could not be stored: {error}")],
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            ) from error
        return JSONResponse(answer.body, status_code=answer.status_code)

    return api


async def _file(request: Request, name: str, max_bytes: int) -> DocumentFile:
    """The request's body as a checked file, read chunk by chunk and refused as soon as it passes ``max_bytes``."""
    try:
        checked = checked_name(name)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise DocumentFileError(413, "body", f"a document is at most {max_bytes} bytes")
        body = LimitedBody(max_bytes)
        async for chunk in request.stream():
            body.add(chunk)
        return document_file(checked, body.content())
    except DocumentFileError as error:
        titles = {413: "Document too large", 415: "Not a PDF, JPEG or PNG", 422: "Document not acceptable"}
        field = "query.name" if error.field == "name" else error.field  # as the query's own checks name it
        raise ProblemError(error.status, titles[error.status], [field_error(field, error.reason)]) from error


def _unknown(code: str) -> ProblemError:
    return ProblemError(404, "No such dossier", [field_error("code", f"no dossier has code {code!r}")])
