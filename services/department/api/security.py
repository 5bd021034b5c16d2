"""Bearer-token authentication and the unit/role checks of the clerk API, as FastAPI dependencies."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.department.auth.tokens import TokenError, TokenVerifier, VerifiedToken
from services.department.domain.access import Action, Clerk, ForbiddenActionError, NotVisibleError
from shared.kernel.http_problems import ProblemError, field_error

bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="An RS256 token of the identity provider with the clerk's `sub`, `units` and `roles`.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


async def current_token(request: Request, credentials: Credentials) -> VerifiedToken:
    """The verified token of the request (checked by the app's ``token_verifier``), or a 401 problem."""
    verifier: TokenVerifier = request.app.state.token_verifier
    if credentials is None:
        raise ProblemError(
            401,
            "Authentication required",
            [field_error("Authorization", "send `Authorization: Bearer <token>`")],
            headers={"WWW-Authenticate": 'Bearer realm="lienthong"'},
        )
    try:
        return await verifier.verify(credentials.credentials)
    except TokenError as error:
        raise ProblemError(
            401,
            "Invalid token",
            [field_error("Authorization", str(error))],
            headers={"WWW-Authenticate": 'Bearer realm="lienthong", error="invalid_token"'},
        ) from error


Token = Annotated[VerifiedToken, Depends(current_token)]
"""Endpoint parameter: the clerk's verified token."""


def unit_access(clerk: Clerk, unit: str, action: Action) -> None:
    """404 for a unit that is not the clerk's, 403 for an action outside their roles."""
    try:
        clerk.check(unit, action)
    except NotVisibleError as error:
        raise not_found("unit", f"no unit {unit} among yours") from error
    except ForbiddenActionError as error:
        raise forbidden(str(error)) from error


def not_found(field: str, reason: str) -> ProblemError:
    return ProblemError(404, "Not found", [field_error(field, reason)])


def forbidden(reason: str) -> ProblemError:
    return ProblemError(403, "Not allowed for your roles", [field_error("roles", reason)])


def parse_if_match(value: str | None) -> int:
    """The task version an ``If-Match`` header names (``"3"``, ``W/"3"``); 428 when absent or unusable."""
    if value is not None:
        tag = value.strip().removeprefix("W/").strip('"')
        if tag.isdigit() and len(tag) < 10:
            return int(tag)
    raise ProblemError(
        428,
        "Precondition required",
        [field_error("If-Match", 'send the task\'s ETag as If-Match, e.g. If-Match: "3"')],
    )


def etag(version: int) -> str:
    return f'"{version}"'
