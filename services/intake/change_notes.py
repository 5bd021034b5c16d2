"""What a dossier's history entry says of a change routing announced: what intake recorded that caused it.

The history has one entry per change of the dossier's status or handling unit. What intake records
that moves nothing by itself, the result returned or a financial obligation paid, is told to
routing, and its change comes back: ``done`` is noted with how the result was returned (with the
tracking id, by post), the change out of ``paying`` with the obligation paid. Routing's own reason
follows. (What completes a ``new`` dossier is noted in its receipt's entry, see
:mod:`services.intake.receipt`; the rest of what intake records is in the journal.)
"""

from services.intake.payments.rules import PaymentStatus, Purpose, paid_note
from services.intake.returns.rules import return_note
from services.intake.store import IntakeStore, RoutingStatus
from shared.contracts import DossierStatus, DossierStatusChanged


async def change_note(store: IntakeStore, event: DossierStatusChanged, held: RoutingStatus) -> str | None:
    """The note of the history entry of ``event``, which moves the dossier from ``held``; None when nothing is said."""
    facts = [await _returned(store, event), await _obligation_paid(store, event, held), event.reason]
    return "; ".join(fact for fact in facts if fact) or None


async def _returned(store: IntakeStore, event: DossierStatusChanged) -> str | None:
    if event.status is not DossierStatus.DONE:
        return None
    kept = await store.result_of(event.dossier_id)
    if kept is None or kept.returned is None:
        return None
    shipment = await store.shipment_of(event.dossier_id)
    return return_note(kept.returned, shipment.tracking_id if shipment else None)


async def _obligation_paid(store: IntakeStore, event: DossierStatusChanged, held: RoutingStatus) -> str | None:
    """The obligation last notified, when it is paid and the dossier leaves ``paying`` (else it left unpaid)."""
    if held.status is not DossierStatus.PAYING or event.status is DossierStatus.PAYING:
        return None
    obligations = [p for p in await store.dossier_payments(event.dossier_id) if p.purpose is Purpose.OBLIGATION]
    if not obligations:
        return None
    last = max(obligations, key=lambda p: p.created_at)
    return paid_note(last.purpose, last.amount_vnd) if last.status is PaymentStatus.PAID else None
