"""Intake keeps what routing says was issued to a dossier, and queues a result the applicant wants by post.

Called by :func:`services.intake.handlers.record_status_change` for a change that moves the dossier,
before intake's copy of the status moves (so the unit holding it until then is the issuer).
"""

from services.intake.store import IntakeStore
from shared.contracts import DossierStatus, DossierStatusChanged
from shared.contracts.documents import ResultDelivery, ResultKind
from shared.kernel.journal import SYSTEM
from shared.kernel.unit_of_work import UnitOfWork

ISSUED = {
    DossierStatus.RELEASING: ResultKind.RESULT,
    DossierStatus.DONE: ResultKind.RESULT,
    DossierStatus.DENIED: ResultKind.REFUSAL,
}
"""Statuses whose change carries a signed document: the result, or a refusal letter."""


async def follow_status(uow: UnitOfWork[IntakeStore], event: DossierStatusChanged) -> None:
    """Keep the document a status change carries (call before intake's copy of the status moves); queue the post.

    ``releasing`` (or a ``done`` whose ``releasing`` never reached intake) carries the signed result,
    ``denied`` a refusal letter. The issuer is the unit that held the dossier until then. A result the
    applicant chose to receive by post is queued for the postal service at once.
    """
    kind = ISSUED.get(event.status)
    if event.result is None or kind is None:
        return
    store = uow.store
    before = await store.dossier(event.dossier_id)
    issued_by = before["handling_unit"] if before is not None else event.handling_unit
    delivery = (event.result_delivery or ResultDelivery.COUNTER) if kind is ResultKind.RESULT else None
    kept = await store.keep_result(
        event.dossier_id, kind, event.result, issued_by=issued_by, delivery=delivery, at=uow.now
    )
    if not kept:
        return
    details = {
        "kind": kind.value,
        "document_id": str(event.result.document_id),
        "sha256": event.result.sha256,
        "issued_by": issued_by,
        "delivery": None if delivery is None else delivery.value,
        "status": event.status.value,
    }
    await uow.journal.append(event.dossier_code, "result kept", SYSTEM, details)
    by_post = delivery is ResultDelivery.POST and event.status is DossierStatus.RELEASING
    if by_post and await store.add_shipment(event.dossier_id, event.dossier_code, uow.now):
        await uow.journal.append(event.dossier_code, "shipment queued", SYSTEM, {"reference": event.dossier_code})
