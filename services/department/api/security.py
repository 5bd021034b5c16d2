"""The clerk API's caller and the unit/role checks, on the kernel's authentication (:mod:`shared.kernel.auth.http`)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends

from services.department.domain.access import Action, Clerk, ForbiddenActionError, NotVisibleError
from shared.kernel.auth import callers
from shared.kernel.auth.http import Token as VerifiedToken
from shared.kernel.auth.http import not_found
from shared.kernel.http_problems import ProblemError, field_error

__all__ = ["ClerkToken", "Token", "etag", "forbidden", "not_found", "parse_if_match", "unit_access"]


def department_clerk(caller: callers.Clerk) -> Clerk:
    """The department's clerk (its role matrix) for the kernel's authenticated clerk."""
    return Clerk.of(caller.id, caller.unit_roles)


@dataclass(frozen=True)
class ClerkToken:
    """A clerk and how long their token holds."""

    clerk: Clerk
    expires_at: datetime


async def clerk_token(token: VerifiedToken) -> ClerkToken:
    """The request's clerk, or 403 for any other caller (401 without a valid token)."""
    if not isinstance(token.caller, callers.Clerk):
        raise forbidden("the clerk API needs a clerk's token")
    return ClerkToken(department_clerk(token.caller), token.expires_at)


Token = Annotated[ClerkToken, Depends(clerk_token)]
"""Endpoint parameter: the clerk's verified token."""


def unit_access(clerk: Clerk, unit: str, action: Action) -> None:
    """404 for a unit that is not the clerk's, 403 for an action outside their roles."""
    try:
        clerk.check(unit, action)
    except NotVisibleError as error:
        raise not_found("unit", f"no unit {unit} among yours") from error
    except ForbiddenActionError as error:
        raise forbidden(str(error)) from error


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
