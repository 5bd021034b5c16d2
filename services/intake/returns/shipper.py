"""The pass that hands results chosen by post to the postal service, once each.

Each pass claims a batch of due ``pending`` shipments in one short transaction (``FOR UPDATE SKIP
LOCKED``; the claim moves their due time a lease ahead and names the claimant), commits, sends each
order, then stores each outcome in its own transaction only if the claim still holds. The dossier's
code is the order's reference, which the postal service deduplicates on: an order sent twice (a
crash between the call and the commit) is one shipment. While the service is down, a shipment is
tried again with the one retry policy's growing delays; an order it refuses for good (or one with no
address) is marked ``refused``, logged and journalled for an operator.
"""

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from uuid import UUID, uuid4

from services.intake.returns.postal import NotShipped, PostalService, ShipmentRequest, Shipped
from services.intake.returns.store import ShipmentOrder
from services.intake.store import IntakeStore
from shared.kernel.journal import SYSTEM
from shared.kernel.retry import RetryPolicy
from shared.kernel.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

Transaction = Callable[[], AbstractAsyncContextManager[UnitOfWork[IntakeStore]]]


class Shipper:
    """Ships due results ``batch`` at a time: a polling worker's pass."""

    def __init__(
        self,
        transaction: Transaction,
        postal: PostalService,
        *,
        callback_url: str,
        batch: int,
        lease_seconds: float,
        retry: RetryPolicy,
    ) -> None:
        self._transaction = transaction
        self._postal = postal
        self._callback_url = callback_url
        self._batch = batch
        self._lease = timedelta(seconds=lease_seconds)
        self._retry = retry

    async def ship(self, _connection: object = None) -> int:
        """One pass: claim a batch of due shipments and send each; returns how many were claimed."""
        claim = uuid4()
        async with self._transaction() as uow:
            due = await uow.store.claim_shipments(uow.now, self._lease, claim, self._batch)
        for order in due:
            await self._ship_one(order, claim)
        return len(due)

    async def _ship_one(self, order: ShipmentOrder, claim: UUID) -> None:
        if not order.address:
            outcome: Shipped | NotShipped = NotShipped("no postal address is stored for the dossier", permanent=True)
        else:
            request = ShipmentRequest(order.reference, order.recipient, order.address, self._callback_url)
            outcome = await self._postal.ship(request)
        async with self._transaction() as uow:
            if isinstance(outcome, Shipped):
                await self._shipped(uow, order, claim, outcome.tracking_id)
                return
            retry_at = None if outcome.permanent else uow.now + timedelta(seconds=self._retry.delay(order.attempts + 1))
            await uow.store.record_shipping_failed(order.shipment_id, claim, outcome.detail, retry_at=retry_at)
            if outcome.permanent:
                details = {"shipment_id": str(order.shipment_id), "attempts": order.attempts + 1}
                await uow.journal.append(order.reference, "shipment refused", SYSTEM, details)
        level = logging.ERROR if outcome.permanent else logging.WARNING
        log.log(level, "shipment of dossier %s not taken (%s): %s", order.reference, _when(outcome), outcome.detail)

    async def _shipped(self, uow: UnitOfWork[IntakeStore], order: ShipmentOrder, claim: UUID, tracking: str) -> None:
        if not await uow.store.record_shipped(order.shipment_id, claim, tracking, uow.now):
            log.warning("shipment of dossier %s (%s): another instance took it over", order.reference, tracking)
            return
        details = {"shipment_id": str(order.shipment_id), "tracking_id": tracking}
        await uow.journal.append(order.reference, "result shipped", SYSTEM, details)
        log.info("result of dossier %s shipped: tracking id %s", order.reference, tracking)


def _when(outcome: NotShipped) -> str:
    return "refused for good" if outcome.permanent else "tried again later"
