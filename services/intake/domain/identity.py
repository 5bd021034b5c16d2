"""Identity checks against the National Population Database: statuses, what an answer means, notes.

A check never decides whether a dossier is received: an applicant the database does not know,
or knows under another name or date of birth, is ``failed`` and flagged for the receiving clerk;
a database that does not answer leaves the identity ``pending``, checked again later.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

# The statuses travel with the dossier's events, so the contracts define them; re-exported for intake.
from shared.contracts.identity import IdentityStatus as IdentityStatus

REGISTRY = "the National Population Database"
KNOWN_FIELDS = ("full_name", "date_of_birth", "citizen_id")


@dataclass(frozen=True)
class Person:
    """What the database is asked about; kept out of ``repr`` so it never reaches a log line."""

    citizen_id: str = field(repr=False)
    full_name: str = field(repr=False)
    date_of_birth: date = field(repr=False)


@dataclass(frozen=True)
class RegistryAnswer:
    """The database answered: whether it knows the citizen ID and whether the rest matches."""

    found: bool
    match: bool
    mismatched: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegistryUnreachable:
    """The database did not answer usefully: ``reason`` is e.g. ``timeout``, ``HTTP 503``, ``circuit open``."""

    reason: str


CheckResult = RegistryAnswer | RegistryUnreachable


class PopulationRegistry(Protocol):
    """Port: asks the population database about one person; never raises for an outage."""

    async def verify(self, person: Person) -> CheckResult: ...


@dataclass(frozen=True)
class IdentityState:
    """The identity check as stored on a dossier."""

    status: IdentityStatus
    detail: str | None
    attempts: int
    checked_at: datetime | None
    next_check_at: datetime | None


UNCHECKED = IdentityState(IdentityStatus.UNCHECKED, "no population database is configured", 0, None, None)


def after_check(
    result: CheckResult, *, attempts_before: int, now: datetime, retry_in: Callable[[int], float]
) -> IdentityState:
    """The state after one more check; ``retry_in(failures)`` gives the seconds until the next try."""
    attempts = attempts_before + 1
    if isinstance(result, RegistryUnreachable):
        next_at = now + timedelta(seconds=retry_in(attempts))
        detail = f"population database unreachable ({result.reason}); checked again later"
        return IdentityState(IdentityStatus.PENDING, detail, attempts, now, next_at)
    if result.found and result.match:
        return IdentityState(IdentityStatus.VERIFIED, None, attempts, now, None)
    return IdentityState(IdentityStatus.FAILED, failure_detail(result), attempts, now, None)


def failure_detail(answer: RegistryAnswer) -> str:
    """Why the clerk must look, naming fields but never their values."""
    if not answer.found:
        return f"citizen ID not found in {REGISTRY}"
    fields = [f for f in KNOWN_FIELDS if f in answer.mismatched]
    if not fields:
        return f"does not match {REGISTRY}"
    return f"{' and '.join(fields)} {'does' if len(fields) == 1 else 'do'} not match {REGISTRY}"


def received_note(state: IdentityState) -> str:
    """The history note of the dossier's receipt, with how its first identity check went."""
    if state.status is IdentityStatus.UNCHECKED:
        return "received"
    return f"received; {_identity_text(state)}"


def change_note(before: IdentityStatus, after: IdentityState) -> str | None:
    """The history note of a later check, or None when the status stayed the same."""
    if before is after.status:
        return None
    return _identity_text(after)


def _identity_text(state: IdentityState) -> str:
    if state.status is IdentityStatus.VERIFIED:
        return f"identity verified with {REGISTRY} (attempt {state.attempts})"
    if state.status is IdentityStatus.FAILED:
        return f"identity check failed: {state.detail}"
    return f"identity check pending: {state.detail}"
