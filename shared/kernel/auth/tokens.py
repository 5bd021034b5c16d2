"""Verifies a bearer token of one of the two trusted issuers and says who it speaks for.

The issuer is chosen by the token's (unverified) ``iss``; the token is then verified with that
issuer's keys only. RS256 only: an unsigned token (``alg: none``) or one signed with a shared
secret (HS256, including the classic trick of the public key as the secret) is refused before
any key is looked up. ``kid``, ``iss``, ``aud``, ``sub``, ``iat`` and ``exp`` are required,
``nbf`` is honoured, and a token that lives longer than ``max_lifetime_seconds`` is refused.

Staff tokens: ``unit_roles`` (or the legacy ``units`` + ``roles``) make a :class:`Clerk`;
``client_id`` (or ``azp``) with ``scope`` an :class:`Integrator`. Citizen tokens make a
:class:`Citizen` whose ``sub`` is a 12-digit citizen ID.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from shared.kernel.auth.callers import CITIZEN_ID, Caller, Citizen, Clerk, Integrator, Scope
from shared.kernel.auth.keys import ACCEPTED_ALGORITHM, KeySetError, KeySource

REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]


class TokenError(ValueError):
    """The bearer token is malformed, unsigned, wrongly signed, expired, too long-lived or not for us."""


@dataclass(frozen=True)
class Issuer:
    """A trusted issuer: its ``iss``, the audience its tokens must name, and where its keys are."""

    name: str
    audience: str
    keys: KeySource


@dataclass(frozen=True)
class VerifiedToken:
    """Who the token speaks for, and until when."""

    caller: Caller
    expires_at: datetime


@dataclass(frozen=True)
class TokenVerifier:
    """Checks tokens of the ``staff`` issuer (clerks, integrators) and the ``citizen`` issuer (the national e-ID)."""

    staff: Issuer
    citizen: Issuer
    leeway_seconds: float = 30.0
    max_lifetime_seconds: float = 3600.0

    async def verify(self, token: str) -> VerifiedToken:
        """The caller the token speaks for; raises :class:`TokenError` saying why not."""
        kid = _key_id(token)
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise TokenError(f"not a JWT: {error}") from error
        issuer = {self.staff.name: self.staff, self.citizen.name: self.citizen}.get(str(unverified.get("iss")))
        if issuer is None:
            raise TokenError("the token's issuer (iss) is not trusted")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=await issuer.keys.key(kid),
                algorithms=[ACCEPTED_ALGORITHM],
                audience=issuer.audience,
                issuer=issuer.name,
                leeway=self.leeway_seconds,
                options={"require": REQUIRED_CLAIMS},
            )
        except (KeySetError, jwt.PyJWTError) as error:
            raise TokenError(str(error)) from error
        if claims["exp"] - claims["iat"] > self.max_lifetime_seconds:
            raise TokenError(f"the token lives longer than {self.max_lifetime_seconds:g} s (exp - iat)")
        caller = _citizen(claims) if issuer is self.citizen else _staff(claims)
        return VerifiedToken(caller, datetime.fromtimestamp(claims["exp"], UTC))


def _key_id(token: str) -> str:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise TokenError(f"not a JWT: {error}") from error
    algorithm = header.get("alg")
    if algorithm != ACCEPTED_ALGORITHM:
        raise TokenError(f"tokens must be signed with {ACCEPTED_ALGORITHM}, not {algorithm}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenError("the token header names no key id (kid)")
    return kid


def _staff(claims: dict[str, Any]) -> Clerk | Integrator:
    subject = str(claims["sub"])
    if "unit_roles" in claims:
        unit_roles = claims["unit_roles"]
        if not isinstance(unit_roles, dict) or not all(
            isinstance(unit, str) and _is_strings(roles) for unit, roles in unit_roles.items()
        ):
            raise TokenError("claim 'unit_roles' must map unit codes to lists of roles")
        return Clerk.of(subject, unit_roles)
    if "units" in claims:
        roles = _strings(claims, "roles")
        return Clerk.of(subject, {unit: roles for unit in _strings(claims, "units")})
    client_id = claims.get("client_id", claims.get("azp"))
    if isinstance(client_id, str) and client_id and isinstance(claims.get("scope"), str):
        known = {scope.value for scope in Scope}
        scopes = frozenset(Scope(s) for s in claims["scope"].split() if s in known)
        centres = frozenset(_strings(claims, "centres")) if "centres" in claims else None
        return Integrator(client_id, scopes, frozenset(_strings(claims, "provinces")), centres)
    raise TokenError("the token names neither a clerk's units (unit_roles) nor a client (client_id and scope)")


def _citizen(claims: dict[str, Any]) -> Citizen:
    subject = claims["sub"]
    if not isinstance(subject, str) or not CITIZEN_ID.match(subject):
        raise TokenError("a citizen token's subject must be a 12-digit citizen ID")
    return Citizen(subject)


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _strings(claims: dict[str, Any], name: str) -> list[str]:
    value = claims.get(name, [])
    if not _is_strings(value):
        raise TokenError(f"claim {name!r} must be a list of strings")
    return list(value)
