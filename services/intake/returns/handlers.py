"""The returns' use cases: the result returned once, whichever way (handed over, delivered, downloaded).

Each return is recorded with the result, journalled, and told to routing as
:class:`~shared.contracts.DossierResultReturned` through the outbox, in the transaction that records
it; routing then moves the dossier to ``done``, whose history entry says how it was returned (see
:mod:`services.intake.change_notes`). A second return finds the first and changes nothing.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from services.intake.handlers import DossierNotFoundError, Work
from services.intake.returns.rules import Returned, check_returnable, download_returns, postal_returner
from services.intake.returns.store import KeptResult, Shipment, ShipmentStatus
from services.intake.store import Dossier
from shared.contracts import DossierResultReturned, DossierStatus
from shared.contracts.documents import ResultDelivery
from shared.kernel.journal import CITIZEN, clerk_actor

log = logging.getLogger(__name__)


class UnknownShipmentError(LookupError):
    """No shipment has this tracking id, or its reference is another dossier's."""


@dataclass(frozen=True)
class HandOverResult:
    """Command: a receiver of the dossier's centre hands its result to the applicant at the counter."""

    code: str
    clerk_id: str


@dataclass(frozen=True)
class PostalDelivery:
    """What the postal service's signed callback says: this shipment reached the applicant."""

    tracking_id: str
    reference: str
    delivered_at: datetime


async def hand_over(uow: Work, command: HandOverResult) -> None:
    """Record the result handed over at the counter; raises :class:`DossierNotFoundError` or ``ResultReturnError``
    before anything is written."""
    dossier = await _locked(uow, command.code)
    await _return(uow, dossier, Returned(ResultDelivery.COUNTER, clerk_actor(command.clerk_id), uow.now))


async def record_download(uow: Work, code: str) -> bool:
    """After the applicant's download was read from the store: return the result if this is its first download
    while releasing. True when this download returned it."""
    dossier = await _locked(uow, code)
    kept = await uow.store.lock_result(dossier["id"])
    if kept is None or not download_returns(DossierStatus(dossier["status"]), kept.kind, kept.returned):
        return False
    await _return(uow, dossier, Returned(ResultDelivery.ONLINE, CITIZEN, uow.now))
    return True


async def record_delivery(uow: Work, delivery: PostalDelivery) -> bool:
    """The postal service delivered a shipment: note it, and return the result unless it was returned another way.

    False when the shipment was delivered before (the same callback again: nothing changes). Raises
    :class:`UnknownShipmentError` when no shipment of ``delivery.reference`` has its tracking id.
    """
    store = uow.store
    dossier = await store.lock_dossier(delivery.reference)
    shipment = await store.lock_shipment_by_tracking(delivery.tracking_id)
    if dossier is None or shipment is None or shipment.dossier_id != dossier["id"]:
        raise UnknownShipmentError(f"no shipment of {delivery.reference!r} has tracking id {delivery.tracking_id!r}")
    if shipment.status is ShipmentStatus.DELIVERED:
        return False
    at = min(delivery.delivered_at, uow.now)
    await store.record_delivered(shipment.shipment_id, at)
    returner = postal_returner(delivery.tracking_id)
    await uow.journal.append(dossier["code"], "shipment delivered", returner, _shipment_details(shipment))
    kept = await store.lock_result(dossier["id"])
    status = DossierStatus(dossier["status"])
    if kept is not None and download_returns(status, kept.kind, kept.returned):
        await _return(uow, dossier, Returned(ResultDelivery.POST, returner, at), kept)
    else:
        log.info(
            "shipment %s of dossier %s delivered; the result was not waiting to be returned (%s)",
            delivery.tracking_id,
            dossier["code"],
            status.value,
        )
    return True


async def _return(uow: Work, dossier: Dossier, returned: Returned, kept: KeptResult | None = None) -> None:
    store = uow.store
    kept = kept or await store.lock_result(dossier["id"])
    status = DossierStatus(dossier["status"])
    check_returnable(status, kept.kind if kept else None, kept.returned if kept else None)
    assert kept is not None
    await store.record_return(dossier["id"], returned)
    event = DossierResultReturned(
        dossier_id=dossier["id"],
        dossier_code=dossier["code"],
        way=returned.way,
        returned_by=returned.by,
        returned_at=returned.at,
    )
    event_id = await uow.outbox.add(event)
    details = {"way": returned.way.value, "document_id": str(kept.document.document_id), "event_id": str(event_id)}
    await uow.journal.append(dossier["code"], "result returned", returned.by, details)


async def _locked(uow: Work, code: str) -> Dossier:
    dossier = await uow.store.lock_dossier(code)
    if dossier is None:
        raise DossierNotFoundError(f"no dossier has code {code!r}")
    return dossier


def _shipment_details(shipment: Shipment) -> dict[str, str | None]:
    return {"shipment_id": str(shipment.shipment_id), "tracking_id": shipment.tracking_id}
