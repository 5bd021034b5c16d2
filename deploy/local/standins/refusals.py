"""Requests a stand-in turns down with ``{"error": "..."}``, as the SMS gateway, portal and population API do."""

import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse


class RefusedError(Exception):
    """The stand-in refuses the request with ``status`` and ``{"error": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def _refusal(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RefusedError)
    return JSONResponse({"error": error.message}, status_code=error.status)


def answer_refusals(app: FastAPI) -> FastAPI:
    """Render :class:`RefusedError` as its status and ``{"error": message}``."""
    app.add_exception_handler(RefusedError, _refusal)
    return app


def header_key(header: str, key: str) -> Callable[[Request], Awaitable[None]]:
    """A dependency refusing with 401 unless the request's ``header`` is ``key`` (a merchant's API key)."""

    async def check(request: Request) -> None:
        given = request.headers.get(header)
        if given is None or not secrets.compare_digest(given.encode(), key.encode()):
            raise RefusedError(401, f"missing or invalid {header}")

    return check


def bearer(token: str) -> Callable[[str | None], Awaitable[None]]:
    """A dependency refusing with 401 unless ``Authorization: Bearer <token>``."""

    async def check(authorization: Annotated[str | None, Header()] = None) -> None:
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip(), token):
            raise RefusedError(401, "missing or invalid bearer token")

    return check
