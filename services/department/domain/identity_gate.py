"""The identity gate: the last stage of a dossier is not approved while its applicant's identity is unsettled.

A check against the National Population Database that ``failed`` or is still ``pending`` needs a
receiver of the dossier's centre to confirm the applicant's papers at intake first; until then
approving a task of the plan's last stage answers 409 naming ``identity``. Earlier stages go on.
"""

from services.department.domain.task import TaskActionError
from shared.contracts.identity import UNSETTLED, IdentityDecision, IdentityStatus


class IdentityGateError(TaskActionError):
    """The last stage cannot be approved: the applicant's identity is failed or pending and not confirmed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "identity")


def check_identity_gate(*, final_stage: bool, status: str, decision: str | None) -> None:
    """Raise :class:`IdentityGateError` when the task ends the dossier and the identity blocks its approval."""
    identity = IdentityStatus(status)
    if not final_stage or identity not in UNSETTLED or decision == IdentityDecision.CONFIRMED.value:
        return
    if decision == IdentityDecision.REFUSED.value:
        raise IdentityGateError("the receiving clerk refused the applicant's identity: the dossier cannot be approved")
    raise IdentityGateError(
        f"the applicant's identity check is {identity.value} and no receiver of the dossier's centre has confirmed"
        " it: the last stage cannot be approved until one does (at intake: POST /v1/dossiers/<code>/identity-decision)"
    )
