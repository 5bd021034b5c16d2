"""Sample events for tests that need a valid one."""

from datetime import UTC, datetime
from uuid import uuid4

from shared.contracts import Applicant, DossierStatus, DossierStatusChanged


def status_changed(status: DossierStatus = DossierStatus.PROCESSING) -> DossierStatusChanged:
    """A status change of a fresh dossier, as routing announces it."""
    now = datetime.now(UTC)
    return DossierStatusChanged(
        dossier_id=uuid4(),
        dossier_code="000.01.15.H40-261202-0001",
        status=status,
        previous_status=DossierStatus.RECEIVING,
        procedure_code="1.001193",
        applicant=Applicant(citizen_id="040123456789", full_name="Nguyễn Văn An"),
        received_at=now,
        due_at=now,
        handling_unit="17179.VP",
        changed_at=now,
    )
