"""Verifies a clerk's bearer token and reads who they are from its claims.

Only RS256 is accepted: an unsigned token (``alg: none``) or one signed with a shared
secret (HS256, including the classic trick of using the public key as the secret) is
refused before any key is looked up. Issuer, audience, expiry and subject are required.

Claims: ``sub`` (the clerk id recorded on every action), ``units`` (unit codes such as
``17179.KT``) and ``roles`` (``receiver``, ``handler``, ``approver``, ``supervisor``).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from services.department.auth.jwks import ACCEPTED_ALGORITHM, KeySetError, KeySource
from services.department.domain.access import Clerk


class TokenError(ValueError):
    """The bearer token is missing, malformed, unsigned, wrongly signed, expired or not for us."""


@dataclass(frozen=True)
class VerifiedToken:
    """A clerk and how long their token holds."""

    clerk: Clerk
    expires_at: datetime


@dataclass(frozen=True)
class TokenVerifier:
    """Checks tokens against the keys of ``source`` for one issuer and audience."""

    source: KeySource
    issuer: str
    audience: str
    leeway_seconds: float = 30.0

    async def verify(self, token: str) -> VerifiedToken:
        """The clerk the token speaks for; raises :class:`TokenError` saying why not."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise TokenError(f"not a JWT: {error}") from error
        algorithm = header.get("alg")
        if algorithm != ACCEPTED_ALGORITHM:
            raise TokenError(f"tokens must be signed with {ACCEPTED_ALGORITHM}, not {algorithm}")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise TokenError("the token header names no key id (kid)")
        try:
            key = await self.source.key(kid)
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[ACCEPTED_ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except KeySetError as error:
            raise TokenError(str(error)) from error
        except jwt.PyJWTError as error:
            raise TokenError(str(error)) from error
        clerk = Clerk.of(str(claims["sub"]), _strings(claims, "units"), _strings(claims, "roles"))
        return VerifiedToken(clerk, datetime.fromtimestamp(claims["exp"], UTC))


def _strings(claims: dict[str, Any], name: str) -> list[str]:
    value = claims.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TokenError(f"claim {name!r} must be a list of strings")
    return value
