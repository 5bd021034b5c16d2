"""The status record the National Public Service Portal expects for each change of a dossier."""

from typing import Any
from uuid import UUID

from shared.contracts import DossierStatus, DossierStatusChanged


def portal_record(event: DossierStatusChanged, event_id: UUID) -> dict[str, Any]:
    """The portal's fields: code, procedure, applicant, received and due dates, status code 1-11, unit, result date.

    ``sync_id`` is the status change's event id, so the portal recognises a record sent twice.
    ``result_date`` is when the dossier's processing ended for the applicant: for ``done`` (10) the time the
    result was returned (routing records the return as the change), for ``denied`` and ``cancelled`` the
    time of the decision. A dossier not accepted (``unresolved``, 3) was never received and has none; nor
    has a result ready but not yet handed over (``releasing``, 9): the portal's on-time figures compare the
    return, not the issue, with the appointment on the receipt.
    """
    return {
        "sync_id": str(event_id),
        "dossier_code": event.dossier_code,
        "portal_dossier_id": event.portal_dossier_id,
        "procedure_code": event.procedure_code,
        "applicant_id": event.applicant.citizen_id,
        "applicant_name": event.applicant.full_name,
        "received_date": event.received_at.isoformat(),
        "due_date": event.due_at.isoformat(),
        "status_code": event.status.portal_code,
        "status": event.status.value,
        "handling_unit": event.handling_unit,
        "result_date": event.changed_at.isoformat() if _ended_with_a_result(event.status) else None,
        "changed_at": event.changed_at.isoformat(),
    }


def _ended_with_a_result(status: DossierStatus) -> bool:
    return status.is_final and status is not DossierStatus.UNRESOLVED
