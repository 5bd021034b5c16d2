"""The returns' part of intake's store: the document issued to each dossier, how it was returned, its shipment.

:class:`ResultStore` is one of the bases of :class:`~services.intake.store.IntakeStore`; its SQL is
:class:`~services.intake.returns.postgres.PostgresResultStore`.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from services.intake.returns.rules import Returned
from shared.contracts.documents import DocumentRef, ResultDelivery, ResultKind


@dataclass(frozen=True)
class KeptResult:
    """The signed document issued to a dossier (a result, or a refusal letter) and its return."""

    dossier_id: UUID
    kind: ResultKind
    document: DocumentRef
    issued_by: str | None
    """The unit that issued it (its key signed it)."""
    delivery: ResultDelivery | None
    """How the applicant chose to receive it; None for a refusal letter."""
    kept_at: datetime
    returned: Returned | None = None


class ShipmentStatus(StrEnum):
    """Where a result sent by post is."""

    PENDING = "pending"
    """Waiting to be handed to the postal service (again, after a failed try)."""
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    REFUSED = "refused"
    """The postal service refused the order for good: an operator must look."""
    NOT_NEEDED = "not-needed"
    """The result was returned another way before it was shipped."""


@dataclass(frozen=True)
class Shipment:
    """A result sent by post, under the dossier's code as its reference."""

    shipment_id: UUID
    dossier_id: UUID
    reference: str
    status: ShipmentStatus
    tracking_id: str | None
    attempts: int
    shipped_at: datetime | None
    delivered_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class ShipmentOrder:
    """A pending shipment claimed by one pass of one instance, with where it goes."""

    shipment_id: UUID
    dossier_id: UUID
    reference: str
    attempts: int
    recipient: str
    address: str | None
    """The postal address the applicant gave at filing; None when none is stored (the order is refused)."""


class ResultStore(Protocol):
    """Port: the results kept for dossiers, their returns and their shipments."""

    async def keep_result(
        self,
        dossier_id: UUID,
        kind: ResultKind,
        document: DocumentRef,
        *,
        issued_by: str | None,
        delivery: ResultDelivery | None,
        at: datetime,
    ) -> bool:
        """Keep the document issued to the dossier; False (nothing changed) when one is kept already."""
        ...

    async def result_of(self, dossier_id: UUID) -> KeptResult | None:
        """The document kept for the dossier and its return, if any."""
        ...

    async def lock_result(self, dossier_id: UUID) -> KeptResult | None:
        """As :meth:`result_of`, locked until the transaction ends so two returns cannot both pass."""
        ...

    async def record_return(self, dossier_id: UUID, returned: Returned) -> None:
        """Note the result returned; a shipment not yet handed to the postal service is no longer needed."""
        ...

    async def add_shipment(self, dossier_id: UUID, reference: str, due_at: datetime) -> bool:
        """Queue the result for the post, due at ``due_at``; False when the dossier has a shipment already."""
        ...

    async def shipment_of(self, dossier_id: UUID) -> Shipment | None:
        """The dossier's shipment, if any."""
        ...

    async def claim_shipments(self, now: datetime, lease: timedelta, claim: UUID, batch: int) -> list[ShipmentOrder]:
        """Claim up to ``batch`` pending shipments due by ``now``; until ``lease`` ends, no one else sees them due."""
        ...

    async def record_shipped(self, shipment_id: UUID, claim: UUID, tracking_id: str, at: datetime) -> bool:
        """Store the tracking id if ``claim`` still holds; False when the claim was lost (nothing stored)."""
        ...

    async def record_shipping_failed(
        self, shipment_id: UUID, claim: UUID, error: str, *, retry_at: datetime | None
    ) -> None:
        """Count a failed try if ``claim`` holds: due again at ``retry_at``, or refused for good when None."""
        ...

    async def lock_shipment_by_tracking(self, tracking_id: str) -> Shipment | None:
        """The shipment the postal service knows by ``tracking_id``, locked until the transaction ends."""
        ...

    async def record_delivered(self, shipment_id: UUID, at: datetime) -> None:
        """Note the shipment delivered."""
        ...
