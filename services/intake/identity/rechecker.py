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
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from uuid import UUID, uuid4

from services.intake.domain.identity import IdentityStatus, change_note
from services.intake.identity.changes import announce_check, identity_of
from services.intake.identity.checker import IdentityChecker, person_of
from services.intake.store import IdentityRecheck, IntakeStore
from shared.contracts import DossierStatus
from shared.kernel.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

Transaction = Callable[[], AbstractAsyncContextManager[UnitOfWork[IntakeStore]]]
"""Opens a unit of work on a new transaction, committed when its block ends without an error."""


class IdentityRechecker:
    """Rechecks pending identities when they are due, ``batch`` at a time: a polling worker's pass."""

    def __init__(self, transaction: Transaction, checker: IdentityChecker, *, batch: int, lease_seconds: float) -> None:
        self._transaction = transaction
        self._checker = checker
        self._batch = batch
        self._lease = timedelta(seconds=lease_seconds)

    async def recheck(self, _connection: object = None) -> int:
        """One pass: claim a batch of due dossiers and check each; returns how many were claimed."""
        claim = uuid4()
        async with self._transaction() as uow:
            due = await uow.store.claim_identity_rechecks(uow.now, self._lease, claim, self._batch)
        for dossier in due:
            await self._recheck_one(dossier, claim)
        return len(due)

    async def _recheck_one(self, dossier: IdentityRecheck, claim: UUID) -> None:
        state = await self._checker.check(person_of(dossier.applicant), dossier.attempts)
        async with self._transaction() as uow:
            stored = await uow.store.record_identity_outcome(dossier.dossier_id, claim, state)
            if stored is None:
                log.warning("identity check of dossier %s dropped: another instance took it over", dossier.code)
                return
            note = change_note(IdentityStatus.PENDING, state)
            if note is not None:
                status = DossierStatus(stored["status"])
                at = state.checked_at or uow.now
                await uow.store.add_history(dossier.dossier_id, status, stored["handling_unit"], note, at)
                identity = identity_of({**stored, "identity_status": state.status.value})
                await announce_check(uow, dossier.dossier_id, dossier.code, identity)
        log.info("identity of dossier %s: %s after %d attempts", dossier.code, state.status, state.attempts)
