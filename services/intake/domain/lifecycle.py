"""What the applicant may still do with a received dossier: hand in supplements, withdraw it."""

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


def check_withdrawal(status: DossierStatus) -> None:
    """A dossier can be withdrawn until it is finished (done, denied or cancelled)."""
    if status.is_final:
        raise DossierActionError(status, f"the dossier is already {status.value} and can no longer be withdrawn")
