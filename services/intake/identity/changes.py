"""Intake's use cases that change the applicant's identity after receipt, and how each change is announced.

Each change gets the identity's next number (``identity_version``) in the same row update, is told
to routing as :class:`~shared.contracts.DossierIdentityChanged` through the outbox and journalled.
"""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from services.intake.domain.identity import IdentityStatus
from services.intake.domain.identity_decision import Decision, EvidenceKind, check_decision, journalled
from services.intake.handlers import DossierNotFoundError
from services.intake.store import Dossier, IntakeStore
from shared.contracts import DossierIdentity, DossierIdentityChanged, DossierStatus, IdentityDecision
from shared.kernel.journal import SYSTEM, clerk_actor
from shared.kernel.unit_of_work import UnitOfWork

Work = UnitOfWork[IntakeStore]


@dataclass(frozen=True)
class DecideIdentity:
    """Command: a receiver of the dossier's centre decides on its applicant's unverified identity."""

    code: str
    decision: Decision
    clerk_id: str


def identity_of(row: Dossier) -> DossierIdentity:
    """The identity state a stored dossier holds, as it travels."""
    decision = row["identity_decision"]
    return DossierIdentity(
        status=IdentityStatus(row["identity_status"]),
        decision=IdentityDecision(decision) if decision is not None else None,
        version=max(row["identity_version"], 1),
    )


async def decide_identity(uow: Work, command: DecideIdentity) -> None:
    """Record the decision, note it in the history, announce and journal it; call inside a transaction.

    Raises :class:`DossierNotFoundError` or ``IdentityDecisionError`` before anything is written.
    """
    store, now, decision = uow.store, uow.now, command.decision
    dossier = await store.lock_dossier(command.code)
    if dossier is None:
        raise DossierNotFoundError(f"no dossier has code {command.code!r}")
    status, checked = DossierStatus(dossier["status"]), IdentityStatus(dossier["identity_status"])
    check_decision(decision, status=status, identity=checked, decided=dossier["identity_decision"])
    version = await store.record_identity_decision(dossier["id"], decision, clerk_actor(command.clerk_id), now)
    await store.add_history(dossier["id"], status, dossier["handling_unit"], _note(decision), now)
    identity = DossierIdentity(status=checked, decision=decision.decision, version=version)
    reason = decision.reason.strip() if decision.decision is IdentityDecision.REFUSED and decision.reason else None
    event = DossierIdentityChanged(
        dossier_id=dossier["id"], dossier_code=dossier["code"], identity=identity, reason=reason, changed_at=now
    )
    event_id = await uow.outbox.add(event)
    details = {**journalled(decision), "identity_status": checked.value, "version": version, "event_id": str(event_id)}
    await uow.journal.append(dossier["code"], "identity decided", clerk_actor(command.clerk_id), details)


async def announce_check(uow: Work, dossier_id: UUID, code: str, identity: DossierIdentity) -> None:
    """Announce and journal a recheck that changed the identity's status."""
    event = DossierIdentityChanged(dossier_id=dossier_id, dossier_code=code, identity=identity, changed_at=uow.now)
    event_id = await uow.outbox.add(event)
    details: dict[str, Any] = {"identity_status": identity.status.value, "version": identity.version}
    await uow.journal.append(code, "identity checked", SYSTEM, {**details, "event_id": str(event_id)})


_SEEN = {
    EvidenceKind.CITIZEN_ID_CARD: "citizen identity card",
    EvidenceKind.IDENTITY_CARD: "identity card",
    EvidenceKind.PASSPORT: "passport",
    EvidenceKind.VNEID: "VNeID electronic identity",
    EvidenceKind.OTHER: "other identity paper",
}


def _note(decision: Decision) -> str:
    """The history note of a decision (the applicant reads it): the paper seen, or why it was refused."""
    if decision.decision is IdentityDecision.CONFIRMED:
        assert decision.evidence is not None
        return f"identity confirmed by the receiving clerk ({_SEEN[decision.evidence.kind]} seen)"
    return f"identity refused by the receiving clerk: {(decision.reason or '').strip()}"
