"""The applicant's identity as it travels with a dossier: the population-database check and the receiver's decision.

Intake owns it and numbers each state of it per dossier (``version``: 1 at receipt, one more at each
change); routing and the department keep a copy and apply a state only if its version is newer than
the one they hold (:func:`~shared.contracts.events.is_newer`). The department's last stage cannot be
approved while the identity :attr:`~DossierIdentity.blocks_final_approval`.
"""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class IdentityStatus(StrEnum):
    """Where the check of a dossier's applicant against the National Population Database stands."""

    UNCHECKED = "unchecked"
    """No population database is configured."""
    PENDING = "pending"
    """The database has not answered yet; checked again with growing delays."""
    VERIFIED = "verified"
    FAILED = "failed"
    """Not found, or found with another name or date of birth: the receiving clerk must look."""


class IdentityDecision(StrEnum):
    """What a receiver of the dossier's centre decided about an identity the database did not verify."""

    CONFIRMED = "confirmed"
    """The receiver saw the applicant's papers and confirms who they are."""
    REFUSED = "refused"
    """The receiver could not confirm it: the dossier is refused."""


UNSETTLED = (IdentityStatus.FAILED, IdentityStatus.PENDING)
"""Statuses that need a receiver's confirmation before the last stage may be approved."""


class DossierIdentity(BaseModel):
    """One state of the applicant's identity: the check's status, a receiver's decision, and its number."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: IdentityStatus
    decision: IdentityDecision | None = Field(
        default=None, description="A receiver's decision on a failed or pending check; None: none taken."
    )
    version: int = Field(
        ge=1,
        description="Intake's number of this state among the dossier's identity states (1 at receipt): a consumer "
        "applies a state only if its number is higher than the one it holds.",
    )

    @property
    def blocks_final_approval(self) -> bool:
        """Whether the last stage must wait: the check failed or is pending and no receiver confirmed it."""
        return self.status in UNSETTLED and self.decision is not IdentityDecision.CONFIRMED
