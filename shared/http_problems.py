"""HTTP errors as RFC 9457 problem details that name each offending field."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int, title: str, errors: list[dict[str, str]] | None = None, detail: str | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


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
        location = [str(p) for p in item["loc"] if p != "body"]
        if item["type"] == "json_invalid":
            return problem(400, "Malformed JSON", [field_error("body", item.get("ctx", {}).get("error", item["msg"]))])
        errors.append(field_error(".".join(location) or "body", item["msg"]))
    return problem(422, "Invalid request", errors)


def install_problem_handlers(app: FastAPI) -> None:
    """Make request-validation failures and :class:`ProblemError` answer with problem details."""
    app.add_exception_handler(RequestValidationError, _validation_problem)
    app.add_exception_handler(ProblemError, _raised_problem)
