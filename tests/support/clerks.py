"""Clerks' bearer tokens for the tests: one RSA key pair per test process, its JWKS for the stack."""

from functools import cache
from typing import Any

from services.department.auth.local_issuer import LocalIssuer

ALL_ROLES = ("receiver", "handler", "approver", "supervisor")


@cache
def issuer() -> LocalIssuer:
    """The issuer whose JWKS the department under test trusts."""
    return LocalIssuer.generate()


def token(units: list[str] | tuple[str, ...], *roles: str, clerk: str | None = None, **claims: Any) -> str:
    """A signed token for a clerk of ``units`` with ``roles`` (all four when none are named)."""
    unit_list = list(units)
    return issuer().token(
        clerk or f"clerk.{unit_list[0] if unit_list else 'none'}", unit_list, list(roles or ALL_ROLES), **claims
    )


def headers(unit: str, *roles: str, version: int | None = None, clerk: str | None = None) -> dict[str, str]:
    """``Authorization`` for a clerk of ``unit`` (all roles unless named), and ``If-Match`` for ``version``."""
    answer = {"Authorization": f"Bearer {token([unit], *roles, clerk=clerk)}"}
    if version is not None:
        answer["If-Match"] = f'"{version}"'
    return answer
