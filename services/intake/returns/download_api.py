"""The applicant downloads the signed result (or refusal letter) with the receipt's lookup secret or VNeID."""

import logging
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from services.intake import access
from services.intake.handlers import DossierNotFoundError
from services.intake.returns.downloads import download
from services.intake.returns.rules import ResultReturnError
from services.intake.secret_access import SecretCheck, SecretHolder, token_or_secret
from services.intake.store import IntakeDatabase
from shared.kernel.auth.callers import Caller, Citizen
from shared.kernel.auth.http import forbidden
from shared.kernel.http_problems import UNAVAILABLE_RETRY_AFTER_SECONDS, ProblemError, field_error, problem, problems
from shared.kernel.object_store import ObjectNotFoundError, ObjectStore, ObjectStoreUnavailableError

log = logging.getLogger(__name__)

MEANINGS = {
    401: "Neither the receipt's lookup secret (`X-Lookup-Secret`) nor a valid bearer token (`Authorization`).",
    403: "A token that is not a citizen's: only the applicant downloads (field `Authorization`).",
    404: "No dossier has this code and this lookup secret, or the citizen is not its applicant.",
    409: "Nothing issued to download yet (field `status`), or no signed document kept (field `result`).",
    422: "The `X-Lookup-Secret` header is too long.",
    429: "Too many failed lookups from this address: try again after `Retry-After` seconds.",
    503: "The document store cannot answer now: try again after `Retry-After` seconds; nothing was recorded.",
}
PDF_ANSWER = {"content": {"application/pdf": {}}, "description": "The signed document, as the unit issued it."}


def build_download_api(database: IntakeDatabase, check: SecretCheck, objects: ObjectStore) -> APIRouter:
    """The download route, to include in the router of intake's API beside the lookup (whose checks it shares)."""
    api = APIRouter()
    applicant = Depends(token_or_secret(check))

    @api.get(
        "/lookup/{code}/result",
        response_class=Response,
        responses={200: PDF_ANSWER, **problems(MEANINGS, 401, 403, 404, 409, 422, 429, 503)},
    )
    async def download_result(code: str, caller: Annotated[Caller | SecretHolder, applicant]) -> Response:
        """The dossier's signed result PDF (or its refusal letter), for its applicant.

        The code and the receipt's lookup secret (header `X-Lookup-Secret`, failures limited as for the
        lookup) open it, or the applicant's citizen token. The first download while the dossier is
        `releasing` returns the result (routing then marks it `done`); later downloads, after `done`,
        return nothing again. A refusal letter (`denied`) downloads the same way.
        """
        if not isinstance(caller, SecretHolder):
            if not isinstance(caller, Citizen):
                raise forbidden("the result is downloaded by its applicant", field="Authorization")
            found = await access.parties(database, code)
            if found is None or found.citizen_id != caller.citizen_id:
                return _unknown(code)
        try:
            got = await download(database, objects, code)
        except DossierNotFoundError:
            return _unknown(code)
        except ResultReturnError as error:
            errors = [field_error(error.field, str(error))]
            return problem(409, "Nothing to download", errors, detail=f"current status: {error.status.value}")
        except (ObjectStoreUnavailableError, ObjectNotFoundError) as error:
            log.error("result of dossier %s not downloadable: %s: %s", code, type(error).__name__, error)
            retry = {"Retry-After": str(UNAVAILABLE_RETRY_AFTER_SECONDS)}
            unavailable = [field_error("code", "the signed document cannot be read now; try again later")]
            raise ProblemError(503, "Document store unavailable", unavailable, headers=retry) from error
        document = got.kept.document
        headers = {
            "Content-Disposition": attachment(document.name),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{document.sha256}"',
        }
        return Response(got.body, media_type=document.media_type.value, headers=headers)

    return api


def attachment(name: str) -> str:
    """``Content-Disposition`` saving the file as ``name``: an ASCII fallback and the UTF-8 name (RFC 6266)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _unknown(code: str) -> JSONResponse:
    return problem(404, "No such dossier", [field_error("code", f"no dossier has code {code!r}")])
