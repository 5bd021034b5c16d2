"""The pass that asks the payment platform for each due payment, once.

First it records the receipt fees of ``new`` dossiers not yet asked for (one payment per dossier,
the unique cause makes a second instance's insert a no-op). Then it claims a batch of due payments
in one short transaction (``FOR UPDATE SKIP LOCKED``; the claim moves their due time a lease ahead
and names the claimant), commits, asks the platform for each, and stores each outcome in its own
transaction only if the claim still holds. The payment's id is its merchant_ref, which the platform
deduplicates on: a creation sent twice (a crash between the call and the commit, a lease run out) is
one payment. While the platform is down a payment is tried again with the one retry policy's growing
delays; one it refuses for good is marked ``failed``, logged and journalled for an operator.
"""

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID, uuid4

from services.intake.payments.due import record_due
from services.intake.payments.platform import NotCreated, PaymentPlatform
from services.intake.payments.rules import fees_payment
from services.intake.payments.store import CreatedPayment, PaymentToCreate
from services.intake.store import IntakeStore
from shared.kernel.journal import SYSTEM
from shared.kernel.retry import RetryPolicy
from shared.kernel.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

Transaction = Callable[[], AbstractAsyncContextManager[UnitOfWork[IntakeStore]]]


@dataclass(frozen=True)
class PaymentCreator:
    """Creates due payments at the platform ``batch`` at a time: a polling worker's pass.

    A claim keeps other instances off a payment for ``lease``; a creation that failed for now is due
    again after the ``retry`` policy's delay for its number of tries.
    """

    transaction: Transaction
    platform: PaymentPlatform
    callback_url: str
    """Where the platform tells intake of payments."""
    batch: int
    lease: timedelta
    retry: RetryPolicy

    async def create(self, _connection: object = None) -> int:
        """One pass: record unpaid receipt fees, claim a batch of due payments and create each; how many it took."""
        recorded = await self.record_fees()
        claim = uuid4()
        async with self.transaction() as uow:
            due = await uow.store.claim_payments(uow.now, self.lease, claim, self.batch)
        for payment in due:
            await self._create_one(payment, claim)
        return max(recorded, len(due))

    async def record_fees(self) -> int:
        """Record a payment due for each ``new`` dossier's unpaid receipt fees not asked for yet."""
        async with self.transaction() as uow:
            recorded = 0
            for dossier in await uow.store.fees_to_collect(self.batch):
                payment = fees_payment(uuid4(), dossier.dossier_id, dossier.code, dossier.unpaid)
                recorded += await record_due(uow, payment, dossier.code)
        return recorded

    async def _create_one(self, payment: PaymentToCreate, claim: UUID) -> None:
        outcome = await self.platform.create(
            payment.payment_id, payment.amount_vnd, payment.description, self.callback_url
        )
        async with self.transaction() as uow:
            if isinstance(outcome, CreatedPayment):
                await self._created(uow, payment, claim, outcome)
                return
            retry_at = (
                None if outcome.permanent else uow.now + timedelta(seconds=self.retry.delay(payment.attempts + 1))
            )
            await uow.store.record_payment_not_created(payment.payment_id, claim, outcome.detail, retry_at)
            if outcome.permanent:
                details = {"payment_id": str(payment.payment_id), "attempts": payment.attempts + 1}
                await uow.journal.append(payment.code, "payment refused by the platform", SYSTEM, details)
        level = logging.ERROR if outcome.permanent else logging.WARNING
        log.log(level, "payment %s of dossier %s not created (%s): %s", *_failure(payment, outcome))

    async def _created(
        self, uow: UnitOfWork[IntakeStore], payment: PaymentToCreate, claim: UUID, created: CreatedPayment
    ) -> None:
        if not await uow.store.record_payment_created(payment.payment_id, claim, created, uow.now):
            log.warning("payment %s of dossier %s: another instance took it over", payment.payment_id, payment.code)
            return
        details = {
            "payment_id": str(payment.payment_id),
            "platform_payment_id": created.platform_payment_id,
            "amount_vnd": payment.amount_vnd,
        }
        await uow.journal.append(payment.code, "payment requested", SYSTEM, details)
        log.info("payment %s of dossier %s created: %s", payment.payment_id, payment.code, created.platform_payment_id)


def _failure(payment: PaymentToCreate, outcome: NotCreated) -> tuple[object, ...]:
    when = "refused for good" if outcome.permanent else "tried again later"
    return payment.payment_id, payment.code, when, outcome.detail
