"""The events the relay and consumer benchmarks move: status changes of a set of dossiers, in turn."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

from shared.contracts import Applicant, DossierStatus, DossierStatusChanged


def status_changes(count: int, dossiers: int) -> Iterator[DossierStatusChanged]:
    """``count`` DossierStatusChanged events spread over ``dossiers`` new dossier ids, one dossier after another."""
    now = datetime.now(UTC)
    ids = [uuid.uuid4() for _ in range(dossiers)]
    applicant = Applicant(citizen_id="040301000123", full_name="Hồ Thị Lan")
    for n in range(count):
        yield DossierStatusChanged(
            dossier_id=ids[n % dossiers],
            dossier_code=f"000.01.15.H40-261202-{n % dossiers:04d}",
            status=DossierStatus.PROCESSING,
            previous_status=DossierStatus.RECEIVING,
            procedure_code="1.001193",
            applicant=applicant,
            received_at=now,
            due_at=now,
            changed_at=now,
        )
