"""A receiver's decision on an identity the population database did not verify: confirmed with evidence, or refused.

Only a check that ``failed`` or is ``pending`` is decided, once, while the dossier is not finished.
The evidence names the kind of paper seen and at most the last 4 characters of its number, so what
the journal keeps of it is no personal data. A refusal refuses the dossier (routing denies it).
"""

from dataclasses import dataclass
from enum import StrEnum

from shared.contracts import DossierStatus
from shared.contracts.identity import UNSETTLED, IdentityDecision, IdentityStatus


class EvidenceKind(StrEnum):
    """The paper a receiver saw to confirm who the applicant is."""

    CITIZEN_ID_CARD = "citizen_id_card"
    """Căn cước / căn cước công dân (chip card)."""
    IDENTITY_CARD = "identity_card"
    """Chứng minh nhân dân (the older card, while still valid)."""
    PASSPORT = "passport"
    VNEID = "vneid"
    """The level-2 electronic identity shown in the VNeID application."""
    OTHER = "other"


@dataclass(frozen=True)
class Evidence:
    """What the receiver saw: the kind of paper and at most the last 4 characters of its number."""

    kind: EvidenceKind
    number_last4: str | None = None


@dataclass(frozen=True)
class Decision:
    """A receiver's decision: ``confirmed`` with ``evidence``, or ``refused`` with the reason told the applicant."""

    decision: IdentityDecision
    evidence: Evidence | None = None
    reason: str | None = None


class IdentityDecisionError(ValueError):
    """The decision cannot be taken on the dossier as it is; ``field`` names what is in the way."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


class IncompleteDecisionError(IdentityDecisionError):
    """The decision lacks what it must say: a confirmation its evidence, a refusal its reason."""


def check_decision(decision: Decision, *, status: DossierStatus, identity: IdentityStatus, decided: str | None) -> None:
    """Raise :class:`IdentityDecisionError` unless ``decision`` may be taken now (first
    :class:`IncompleteDecisionError` when it lacks its evidence or reason).

    ``identity`` is the check's status, ``decided`` the decision taken before (None: none).
    """
    if decision.decision is IdentityDecision.CONFIRMED and decision.evidence is None:
        raise IncompleteDecisionError("evidence", "a confirmation names the paper seen")
    if decision.decision is IdentityDecision.REFUSED and not (decision.reason or "").strip():
        raise IncompleteDecisionError("reason", "a refusal gives the reason the applicant is told")
    if status.is_final:
        raise IdentityDecisionError("status", f"the dossier is already {status.value}")
    if decided is not None:
        raise IdentityDecisionError("identity", f"a receiver already decided: {decided}")
    if identity not in UNSETTLED:
        raise IdentityDecisionError("identity", f"the identity is {identity.value}: there is nothing to decide")


def journalled(decision: Decision) -> dict[str, str | None]:
    """What the journal keeps of a decision: never the refusal's words, at most 4 characters of a number."""
    evidence = decision.evidence
    return {
        "decision": decision.decision.value,
        "evidence_kind": evidence.kind.value if evidence else None,
        "evidence_last4": evidence.number_last4 if evidence else None,
    }
