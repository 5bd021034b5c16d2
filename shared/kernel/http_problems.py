"""HTTP errors as RFC 9457 problem details that name each offending field."""

import logging
import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.kernel.failures import Failure, classify

PROBLEM_JSON = "application/problem+json"
UNAVAILABLE_RETRY_AFTER_SECONDS = 5
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""What PostgreSQL's text cannot hold: U+0000, and lone surrogates, which UTF-8 cannot encode."""
log = logging.getLogger(__name__)


class FieldProblem(BaseModel):
    """One thing wrong with the request, and where."""

    field: str = Field(description="Body field, `query.<name>`, `path.<name>` or a header such as `If-Match`.")
    reason: str


class ProblemDetails(BaseModel):
    """An error (RFC 9457), served as `application/problem+json`."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldProblem] = []


def problems(meanings: Mapping[int, str], *codes: int) -> dict[int | str, dict[str, Any]]:
    """FastAPI ``responses`` for these status codes, each a problem document with its meaning."""
    return {code: {"model": ProblemDetails, "description": meanings[code]} for code in codes}


def served_as_problems(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` (OpenAPI) with every error answer's JSON content typed ``application/problem+json``."""
    for path in document.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status.isdigit() and int(status) >= 400 and "application/json" in content:
                    content[PROBLEM_JSON] = content.pop("application/json")
    return document


def problem(
    status: int, title: str, errors: list[dict[str, str]] | None = None, detail: str | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def shown(text: str) -> str:
    """``text`` with every :data:`UNSTORABLE` character escaped (``\\u0000``), safe to echo in an answer."""
    return UNSTORABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def field_error(field: str, reason: str) -> dict[str, str]:
    return {"field": field, "reason": reason}


class ProblemError(Exception):
    """Raised anywhere in a request (a dependency, an endpoint) to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        errors: list[dict[str, str]] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.errors = errors
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        answer = problem(self.status, self.title, self.errors)
        answer.headers.update(self.headers)
        return answer


async def _raised_problem(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ProblemError)
    return error.response()


async def _validation_problem(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = []
    for item in error.errors():
        location = [shown(str(p)) for p in item["loc"] if p != "body"]
        if item["type"] == "json_invalid":
            return problem(400, "Malformed JSON", [field_error("body", item.get("ctx", {}).get("error", item["msg"]))])
        errors.append(field_error(".".join(location) or "body", item["msg"]))
    return problem(422, "Invalid request", errors)


async def _http_problem(_request: Request, error: Exception) -> JSONResponse:
    """Starlette's own errors (an unknown route, a method not allowed, a body that is not even text)."""
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 400:
        answer = problem(400, "Malformed JSON", [field_error("body", str(error.detail))])
    else:
        answer = problem(error.status_code, str(error.detail))
    answer.headers.update(error.headers or {})
    return answer


async def _unexpected_problem(request: Request, error: Exception) -> JSONResponse:
    """Any other error: 503 with ``Retry-After`` when it is transient (the database unreachable, a
    serialization failure, a timeout), else 500. Neither says more than that; the error is logged."""
    if classify(error) is Failure.TRANSIENT:
        log.warning("%s %s answered 503: %s", request.method, request.url.path, type(error).__name__)
        answer = problem(
            503, "Service unavailable", detail="A transient failure on our side; retry after a few seconds."
        )
        answer.headers["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER_SECONDS)
        return answer
    # Starlette logs the error with its traceback after this answer is sent.
    return problem(500, "Internal server error", detail="An unexpected failure on our side; it is logged.")


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error answer a problem document: validation failures, :class:`ProblemError`, HTTP errors,
    and any unexpected error (a 500, or a 503 when transient)."""
    app.add_exception_handler(RequestValidationError, _validation_problem)
    app.add_exception_handler(ProblemError, _raised_problem)
    app.add_exception_handler(StarletteHTTPException, _http_problem)
    app.add_exception_handler(Exception, _unexpected_problem)
