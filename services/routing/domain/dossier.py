"""The dossier as routing sees it: its status and the transitions a task outcome causes."""

from shared.contracts import DossierStatus, TaskOutcome


class DossierClosedError(ValueError):
    """The dossier already reached a final status."""


def status_after_task(current: DossierStatus, outcome: TaskOutcome) -> DossierStatus:
    """Status of a single-task dossier once its task is finished with ``outcome``."""
    if current.is_final:
        raise DossierClosedError(f"dossier is already {current.value}")
    return DossierStatus.DONE if outcome is TaskOutcome.APPROVED else DossierStatus.DENIED
