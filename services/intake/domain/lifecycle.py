"""What may still be done with a dossier: papers completing a filed one, its refusal at receipt, supplements,
withdrawal."""

from shared.contracts import DossierStatus


class DossierActionError(ValueError):
    """The applicant's action is not allowed while the dossier is in ``status``."""

    def __init__(self, status: DossierStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def check_supplement(status: DossierStatus) -> None:
    """Supplements are taken only while a unit waits for them."""
    if status is not DossierStatus.WAITING:
        raise DossierActionError(
            status, f"the dossier is {status.value}; supplements are taken only while it is waiting for them"
        )


def check_completion(status: DossierStatus) -> None:
    """Papers completing a dossier are taken only while it is filed but not received (``new``)."""
    if status is not DossierStatus.NEW:
        raise DossierActionError(
            status, f"the dossier is {status.value}; papers completing it are taken only while it is new"
        )


def check_acceptance_refusal(status: DossierStatus) -> None:
    """A receiver may refuse to accept a dossier only while it is filed but not received (``new``)."""
    if status is not DossierStatus.NEW:
        raise DossierActionError(status, f"the dossier is {status.value}; only a new dossier can be refused at receipt")


def check_withdrawal(status: DossierStatus) -> None:
    """A dossier can be withdrawn until it is finished (done, denied or cancelled) or was not accepted, and not
    once its result is issued and waits to be handed over (``releasing``): the units have decided."""
    if status.is_final:
        raise DossierActionError(status, f"the dossier is already {status.value} and can no longer be withdrawn")
    if status is DossierStatus.RELEASING:
        raise DossierActionError(
            status, "the dossier is releasing: its result is issued and can no longer be withdrawn, only collected"
        )


def check_uploads_taken(status: DossierStatus) -> None:
    """Documents are uploaded for a dossier until it is finished (not accepted included)."""
    if status.is_final:
        raise DossierActionError(status, f"the dossier is {status.value}; it takes no more documents")
