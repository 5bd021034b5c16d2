"""A payment paid: the platform's callback taken, once.

In one transaction, the payment row locked: the e-receipt (stored in the object store before) joins
the dossier's documents in the role ``payment-receipt``, the payment is marked paid, the journal says
so; then receipt fees are marked paid and the dossier received if nothing else is missing (the
payment noted in the history entry of its receipt), or ``DossierPaid`` (with the receipt) tells
routing the obligation is met (noted in the entry of the change routing then announces, see
:mod:`services.intake.change_notes`). The same payment told paid again changes nothing.
"""

import logging

from services.intake.handlers import Work
from services.intake.payments.rules import AlreadyPaid, KnownPayment, PaidCallback, Purpose, Refused, judge, paid_note
from services.intake.receipt import receive_if_complete
from shared.contracts import DocumentRef, DossierPaid
from shared.kernel.journal import client_actor

log = logging.getLogger(__name__)

PLATFORM = client_actor("payment-platform")
"""The journal's actor of what the payment platform's callbacks do."""


class CallbackNotTakenError(Exception):
    """The callback is refused and changed nothing: :attr:`refused` says why."""

    def __init__(self, refused: Refused, payment: KnownPayment | None) -> None:
        super().__init__(refused.detail)
        self.refused = refused
        self.payment = payment


async def check_callback(uow: Work, callback: PaidCallback) -> bool:
    """Whether the callback would be taken now (False: the payment is paid already); raises
    :class:`CallbackNotTakenError`. Reads only, before the receipt is fetched."""
    payment = await uow.store.known_payment(callback.merchant_ref)
    verdict = judge(payment, callback)
    if isinstance(verdict, Refused):
        raise CallbackNotTakenError(verdict, payment)
    return not isinstance(verdict, AlreadyPaid)


async def take_payment(uow: Work, callback: PaidCallback, receipt: DocumentRef) -> bool:
    """Mark the payment paid with ``receipt`` (its body stored) and act on it; call inside a transaction.

    True when it was paid now, False when it was paid before (nothing changed); raises
    :class:`CallbackNotTakenError` before anything is written.
    """
    store, now = uow.store, uow.now
    payment = await store.known_payment(callback.merchant_ref, lock=True)
    verdict = judge(payment, callback)
    if isinstance(verdict, Refused):
        raise CallbackNotTakenError(verdict, payment)
    if isinstance(verdict, AlreadyPaid):
        return False
    assert payment is not None
    kept = await store.add_dossier_document(payment.dossier_id, receipt, now)
    await store.record_payment_paid(payment.payment_id, callback, kept.document_id)
    details: dict[str, object] = {
        "payment_id": str(payment.payment_id),
        "purpose": payment.purpose.value,
        "amount_vnd": payment.amount_vnd,
        "transaction_id": callback.transaction_id,
        "receipt": {"document_id": str(kept.document_id), "sha256": kept.sha256},
    }
    if payment.purpose is Purpose.OBLIGATION:
        event = DossierPaid(
            dossier_id=payment.dossier_id,
            dossier_code=payment.code,
            payment_id=payment.payment_id,
            amount_vnd=payment.amount_vnd,
            receipt=kept,
            paid_at=callback.paid_at,
        )
        details["event_id"] = str(await uow.outbox.add(event))
    await uow.journal.append(payment.code, "payment received", PLATFORM, details)
    if payment.purpose is Purpose.RECEIPT_FEES:
        await store.mark_fees_paid(payment.dossier_id, payment.payment_id, callback.paid_at)
        paid = paid_note(payment.purpose, payment.amount_vnd, callback.transaction_id)
        await receive_if_complete(uow, payment.dossier_id, actor=PLATFORM, fact=paid)
    log.info("payment %s of dossier %s paid (%s)", payment.payment_id, payment.code, payment.purpose.value)
    return True


async def journal_refusal(uow: Work, error: CallbackNotTakenError) -> None:
    """Keep in the dossier's journal that a callback about one of its payments was refused (nothing else)."""
    if error.payment is None:
        return
    details = {"payment_id": str(error.payment.payment_id), "reason": error.refused.reason.value}
    await uow.journal.append(error.payment.code, "payment callback refused", PLATFORM, details)
