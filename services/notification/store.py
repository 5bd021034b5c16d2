"""The port notification's use cases keep deliveries through: planned, claimed, finished, retried by operators."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from services.notification.domain.planned import PlannedDelivery
from shared.contracts import DossierStatusChanged, TaskDeadlineReached, TaskEscalated

DeliveryRow = Mapping[str, Any]
"""A delivery as kept: its columns by name (``event`` and ``record`` as JSON text)."""


class NotificationStore(Protocol):
    """Where notification keeps its deliveries; the unit of work holds it for one transaction."""

    async def take_status_change(self, dossier_id: UUID, sequence: int | None) -> bool:
        """Hold ``sequence`` as the number of the dossier's newest status change and say True, if it is newer
        (:func:`~shared.contracts.events.is_newer`) than the one held; False, holding it unchanged, if it is stale."""
        ...

    async def plan(self, event_id: UUID, event: DossierStatusChanged, deliveries: Sequence[PlannedDelivery]) -> int:
        """Keep the deliveries of one status change, once per (event, channel); returns how many are new."""
        ...

    async def plan_for_clerks(
        self, event_id: UUID, event: TaskDeadlineReached | TaskEscalated, deliveries: Sequence[PlannedDelivery]
    ) -> int:
        """Keep the messages to clerks of one deadline event, once per (event, channel, clerk); returns how many are
        new."""
        ...

    async def claim_due(self, *, batch: int, lease_seconds: float) -> list[DeliveryRow]:
        """Take up to ``batch`` due deliveries for one try each, the oldest open one of each dossier and channel."""
        ...

    async def delivered(self, delivery_id: int, attempt: int, provider_ref: str | None) -> bool:
        """Mark try ``attempt`` delivered; False if its lease passed to another worker."""
        ...

    async def retry_later(self, delivery_id: int, attempt: int, delay_seconds: float, error: str) -> bool:
        """Put the delivery back in line after the failed try ``attempt``; False if its lease passed to another."""
        ...

    async def dead_letter(self, delivery_id: int, attempt: int, error: str) -> bool:
        """Give up on the delivery after try ``attempt``; False if its lease passed to another worker."""
        ...

    async def requeue(self, delivery_id: int) -> DeliveryRow | None:
        """Put a dead-lettered delivery back in line, its attempts from zero; None if it is not dead-lettered."""
        ...

    async def state_of(self, delivery_id: int) -> str | None:
        """The delivery's state; None when there is no such delivery."""
        ...

    async def record_retry(self, delivery: DeliveryRow, *, by: str, reason: str, at: datetime) -> DeliveryRow:
        """Keep who put ``delivery`` back in line, why, and the error it had; returns the record."""
        ...
