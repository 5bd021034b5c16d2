"""The pass that checks pending identities again once the population database answers.

Each pass claims a batch of due ``pending`` dossiers in one short transaction (``FOR UPDATE
SKIP LOCKED``; the claim moves their next check a lease ahead and names the claimant), commits,
asks the database about each, then stores each outcome in its own transaction only if the
claim is still the one it made. So several intake instances never check one dossier at the
same time, and an instance that dies mid-call loses nothing: when its lease ends, the dossier
is due again for whichever instance looks next.
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg

from services.intake.adapters import repository
from services.intake.domain.identity import IdentityStatus, change_note
from services.intake.identity import store
from services.intake.identity.checker import IdentityChecker, person_of
from shared.contracts import Applicant, DossierStatus

log = logging.getLogger(__name__)


class IdentityRechecker:
    """Rechecks pending identities when they are due, ``batch`` at a time: a polling worker's pass."""

    def __init__(
        self,
        pool: Callable[[], asyncpg.Pool],
        checker: IdentityChecker,
        *,
        batch: int,
        lease_seconds: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._pool = pool
        self._checker = checker
        self._batch = batch
        self._lease = timedelta(seconds=lease_seconds)
        self._clock = clock

    async def recheck(self, _connection: object = None) -> int:
        """One pass: claim a batch of due dossiers and check each; returns how many were claimed."""
        now = self._clock()
        claim = uuid4()
        async with self._pool().acquire() as connection, connection.transaction():
            rows = await store.claim_due(connection, now, now + self._lease, claim, self._batch)
        for row in rows:
            await self._recheck_one(row, claim)
        return len(rows)

    async def _recheck_one(self, row: asyncpg.Record, claim: UUID) -> None:
        applicant = Applicant.model_validate_json(row["applicant"])
        state = await self._checker.check(person_of(applicant), row["identity_attempts"])
        async with self._pool().acquire() as connection, connection.transaction():
            dossier = await store.record_outcome(connection, row["id"], claim, state)
            if dossier is None:
                log.warning("identity check of dossier %s dropped: another instance took it over", row["code"])
                return
            note = change_note(IdentityStatus.PENDING, state)
            if note is not None:
                status = DossierStatus(dossier["status"])
                at = state.checked_at or self._clock()
                await repository.add_history(connection, row["id"], status, dossier["handling_unit"], note, at)
        log.info("identity of dossier %s: %s after %d attempts", row["code"], state.status, state.attempts)
