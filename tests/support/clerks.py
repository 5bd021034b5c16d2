"""Bearer tokens for the tests: one staff and one citizen RSA key pair per test process, their JWKS for the stack.

Clerks and client applications (integrators, the operator) get tokens of the staff issuer
(:func:`issuer`); citizens get tokens of the national e-ID stand-in (:func:`citizen_issuer`).
"""

from collections.abc import Iterable
from functools import cache
from typing import Any

from shared.kernel.auth.local_issuer import CITIZEN_ISSUER, LocalIssuer

ALL_ROLES = ("receiver", "handler", "approver", "supervisor")
OPERATOR_CLIENT = "ops-cli"


@cache
def issuer() -> LocalIssuer:
    """The staff issuer whose JWKS the services under test trust."""
    return LocalIssuer.generate()


@cache
def citizen_issuer() -> LocalIssuer:
    """The citizen issuer (the national e-ID stand-in) whose JWKS the services under test trust."""
    return LocalIssuer.generate(issuer=CITIZEN_ISSUER)


def token(units: list[str] | tuple[str, ...], *roles: str, clerk: str | None = None, **claims: Any) -> str:
    """A signed token for a clerk with ``roles`` (all four when none are named) in each of ``units``."""
    unit_list = list(units)
    return issuer().clerk_token(
        clerk or f"clerk.{unit_list[0] if unit_list else 'none'}",
        {unit: list(roles or ALL_ROLES) for unit in unit_list},
        **claims,
    )


def headers(unit: str, *roles: str, version: int | None = None, clerk: str | None = None) -> dict[str, str]:
    """``Authorization`` for a clerk of ``unit`` (all roles unless named), and ``If-Match`` for ``version``."""
    answer = bearer(token([unit], *roles, clerk=clerk))
    if version is not None:
        answer["If-Match"] = f'"{version}"'
    return answer


def bearer(signed: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {signed}"}


def client_token(
    client_id: str = "test-portal",
    scopes: Iterable[str] = ("dossiers:submit", "dossiers:read"),
    provinces: Iterable[str] = ("*",),
    centres: Iterable[str] | None = None,
    **claims: Any,
) -> str:
    """An integrator's client-credentials token (every province unless named)."""
    return issuer().client_token(client_id, scopes, provinces, centres, **claims)


def client_headers(client_id: str = "test-portal", *scopes: str, provinces: Iterable[str] = ("*",)) -> dict[str, str]:
    """``Authorization`` for an integrator (submit and read unless ``scopes`` are named)."""
    return bearer(client_token(client_id, scopes or ("dossiers:submit", "dossiers:read"), provinces))


def operator_token() -> str:
    return client_token(OPERATOR_CLIENT, ("operator",))


def operator_headers() -> dict[str, str]:
    """``Authorization`` for the operator (the ``operator`` scope)."""
    return bearer(operator_token())


def citizen_headers(citizen_id: str) -> dict[str, str]:
    """``Authorization`` for the citizen ``citizen_id`` (a token of the national e-ID stand-in)."""
    return bearer(citizen_issuer().citizen_token(citizen_id))


def stack_env(directory: Any) -> dict[str, str]:
    """The services' settings that make them trust both test issuers (their JWKS written in ``directory``)."""
    staff, citizens = issuer(), citizen_issuer()
    return {
        "LIENTHONG_JWKS_FILE": str(staff.write_jwks(directory / "jwks.json")),
        "LIENTHONG_JWT_ISSUER": staff.issuer,
        "LIENTHONG_JWT_AUDIENCE": staff.audience,
        "LIENTHONG_CITIZEN_JWKS_FILE": str(citizens.write_jwks(directory / "citizen-jwks.json")),
        "LIENTHONG_CITIZEN_JWT_ISSUER": citizens.issuer,
        "LIENTHONG_CITIZEN_JWT_AUDIENCE": citizens.audience,
    }


def trusting(directory: Any) -> dict[str, Any]:
    """Settings keyword arguments that make a service trust both test issuers (JWKS written in ``directory``)."""
    return {name.removeprefix("LIENTHONG_").lower(): value for name, value in stack_env(directory).items()}


HARNESS_CLIENT = "e2e-harness"
"""The client the end-to-end tests act as by default: every scope in every province."""


def harness_headers() -> dict[str, str]:
    """``Authorization`` for the tests' own client; a test about rights sends a narrower caller's token."""
    return bearer(client_token(HARNESS_CLIENT, ("dossiers:submit", "dossiers:read", "portal:push", "operator")))
