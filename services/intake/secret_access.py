"""A dossier's code and its receipt's lookup secret, as a key to that one dossier.

The secret travels in the ``X-Lookup-Secret`` header, never in the URL (which access logs and
proxies keep). A wrong code and a wrong secret are refused with the same 404, so a guesser
learns nothing of which was wrong, and each counts as a failure of the client's address
(:mod:`services.intake.failed_lookups`); past the limit the address is answered 429 with
``Retry-After``, whatever it sends.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from services.intake.domain.lookup_secret import SecretHasher
from services.intake.failed_lookups import FailedLookups
from services.intake.settings import IntakeSettings
from services.intake.store import IntakeDatabase
from shared.kernel.auth.callers import Caller
from shared.kernel.auth.http import Credentials, declares_access, verified_token
from shared.kernel.http_problems import ProblemError, field_error

log = logging.getLogger(__name__)

LOOKUP_HEADER = "X-Lookup-Secret"
lookup_header = APIKeyHeader(
    name=LOOKUP_HEADER,
    auto_error=False,
    scheme_name="lookup_secret",
    description="The lookup secret printed on the dossier's receipt; opens that dossier only.",
)


@dataclass(frozen=True)
class SecretHolder:
    """Whoever showed the code of dossier ``code`` and its lookup secret: they may act on that dossier only."""

    code: str

    @property
    def client_id(self) -> str:
        """What their Idempotency-Keys are kept under: the dossier, since no account is known."""
        return f"lookup:{self.code}"


class SecretCheck:
    """Lets through whoever holds a dossier's code and lookup secret; counts each address's failures."""

    def __init__(self, database: IntakeDatabase, hasher: SecretHasher, failures: FailedLookups) -> None:
        self.database = database
        self.hasher = hasher
        self.failures = failures

    async def open(self, code: str, secret: str, address: str) -> SecretHolder:
        """The holder when ``secret`` is the lookup secret of dossier ``code``; else raise the 404 or 429 problem."""
        wait = await self.failures.wait_seconds(address)
        if wait is not None:
            reason = f"too many failed lookups from this address; try again in {wait} s"
            raise ProblemError(
                429, "Too many failed lookups", [field_error(LOOKUP_HEADER, reason)], headers={"Retry-After": str(wait)}
            )
        async with self.database.reading() as store:
            stored = await store.lookup_secret_hash(code)
        if not self.hasher.matches(secret, stored):
            await self.failures.failed(address)
            reason = f"no dossier has code {code!r} and this lookup secret"
            raise ProblemError(404, "No such dossier", [field_error("code", reason)])
        return SecretHolder(code)


def secret_check(database: IntakeDatabase, settings: IntakeSettings) -> SecretCheck:
    """The check of lookup secrets ``settings`` describe: their hashing key, the failures allowed a minute."""
    key = settings.lookup_secret_key
    if key is None:
        log.warning("LIENTHONG_LOOKUP_SECRET_KEY is not set: lookup secrets are hashed without a key")
    hasher = SecretHasher(None if key is None else key.get_secret_value().encode())
    return SecretCheck(database, hasher, FailedLookups(settings.lookup_failures_per_minute))


def client_address(request: Request) -> str:
    """The caller's address as uvicorn saw it (the proxy's forwarded one when it trusts the proxy)."""
    return request.client.host if request.client else "unknown"


def token_or_secret(check: SecretCheck) -> Callable[..., Awaitable[Caller | SecretHolder]]:
    """A route's access: a valid bearer token (401 without one), or the dossier's code and lookup secret."""

    async def caller_or_secret_holder(
        code: str,
        request: Request,
        credentials: Credentials,
        secret: Annotated[str | None, Depends(lookup_header)],
    ) -> Caller | SecretHolder:
        if secret is None:
            return (await verified_token(request, credentials)).caller
        return await check.open(code, secret[:64], client_address(request))

    return declares_access(caller_or_secret_holder)
