"""A payment recorded due: the receipt fees of a new dossier, or an obligation routing says it pays.

Recorded once per cause of a dossier (a second instance, or the same status change applied again,
records nothing); the payment creator then asks the platform for it.
"""

import logging
from uuid import uuid4

from services.intake.payments.rules import NewPayment, obligation_payment
from services.intake.store import IntakeStore
from shared.contracts import DossierStatus, DossierStatusChanged
from shared.kernel.journal import SYSTEM
from shared.kernel.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


async def record_due(uow: UnitOfWork[IntakeStore], payment: NewPayment, code: str) -> bool:
    """Record ``payment`` of dossier ``code`` due, with its journal entry; False when it was recorded before."""
    if not await uow.store.add_payment(payment, uow.now):
        return False
    details = {
        "payment_id": str(payment.payment_id),
        "purpose": payment.purpose.value,
        "amount_vnd": payment.amount_vnd,
    }
    await uow.journal.append(code, "payment due", SYSTEM, details)
    return True


async def follow_status(uow: UnitOfWork[IntakeStore], event: DossierStatusChanged) -> None:
    """When routing moved the dossier to ``paying`` with what to pay, record that payment due; call in the
    transaction that applies the change."""
    if event.status is not DossierStatus.PAYING or event.payment is None:
        return
    due = event.payment
    payment = obligation_payment(
        uuid4(), event.dossier_id, event.dossier_code, due.amount_vnd, due.description, event.sequence, event.changed_at
    )
    if await record_due(uow, payment, event.dossier_code):
        log.info("obligation of %d VND due for dossier %s", due.amount_vnd, event.dossier_code)
