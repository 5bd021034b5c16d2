"""Notification's store in memory, for the fast tier: the deliveries table and its retries as dicts."""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from services.notification.domain.planned import PlannedDelivery
from services.notification.store import DeliveryRow
from shared.contracts import DossierStatusChanged, TaskDeadlineReached, TaskEscalated
from shared.contracts.events import is_newer

OPEN = ("pending", "sending")


@dataclass
class FakeNotificationStore:
    """:class:`~services.notification.store.NotificationStore` on dicts; ``now`` is the database's clock."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    deliveries: dict[int, dict[str, Any]] = field(default_factory=dict)
    retries: list[dict[str, Any]] = field(default_factory=list)
    newest_status_changes: dict[UUID, int] = field(default_factory=dict)

    async def take_status_change(self, dossier_id: UUID, sequence: int | None) -> bool:
        if not is_newer(sequence, self.newest_status_changes.get(dossier_id, 0)):
            return False
        self.newest_status_changes[dossier_id] = sequence or 0
        return True

    async def plan(self, event_id: UUID, event: DossierStatusChanged, deliveries: Sequence[PlannedDelivery]) -> int:
        source = (event.dossier_id, event.dossier_code, event.status.value, event.applicant.language)
        return self._insert(event_id, source, event.model_dump_json(), deliveries)

    async def plan_for_clerks(
        self, event_id: UUID, event: TaskDeadlineReached | TaskEscalated, deliveries: Sequence[PlannedDelivery]
    ) -> int:
        return self._insert(
            event_id, (event.dossier_id, event.dossier_code, None, "vi"), event.model_dump_json(), deliveries
        )

    def _insert(
        self,
        event_id: UUID,
        source: tuple[UUID, str, str | None, str],
        event_json: str,
        deliveries: Sequence[PlannedDelivery],
    ) -> int:
        dossier_id, dossier_code, status, language = source
        added = 0
        for delivery in deliveries:
            key = (event_id, delivery.channel, delivery.clerk_id)
            if any((d["event_id"], d["channel"], d["clerk_id"]) == key for d in self.deliveries.values()):
                continue
            delivery_id = len(self.deliveries) + 1
            self.deliveries[delivery_id] = {
                "id": delivery_id,
                "event_id": event_id,
                "channel": delivery.channel,
                "dossier_id": dossier_id,
                "dossier_code": dossier_code,
                "status": status,
                "language": delivery.language or language,
                "recipient": delivery.recipient,
                "subject": delivery.subject,
                "message": delivery.message,
                "record": None if delivery.record is None else json.dumps(delivery.record),
                "event": event_json,
                "fallback_of": delivery.fallback_of,
                "clerk_id": delivery.clerk_id,
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": self.now,
                "last_error": None,
                "provider_ref": None,
                "created_at": self.now,
                "finished_at": None,
            }
            added += 1
        return added

    async def claim_due(self, *, batch: int, lease_seconds: float) -> list[DeliveryRow]:
        first_open: dict[tuple[UUID, str, str | None], dict[str, Any]] = {}
        for d in sorted(self.deliveries.values(), key=lambda d: d["id"]):
            if d["state"] in OPEN:
                first_open.setdefault((d["dossier_id"], d["channel"], d["clerk_id"]), d)
        due = sorted(
            (d for d in first_open.values() if d["next_attempt_at"] <= self.now),
            key=lambda d: (d["next_attempt_at"], d["id"]),
        )[:batch]
        for d in due:
            d.update(state="sending", attempts=d["attempts"] + 1, next_attempt_at=self._later(lease_seconds))
        return [dict(d) for d in due]

    async def delivered(self, delivery_id: int, attempt: int, provider_ref: str | None) -> bool:
        return self._finish_try(
            delivery_id, attempt, state="delivered", provider_ref=provider_ref, last_error=None, finished_at=self.now
        )

    async def retry_later(self, delivery_id: int, attempt: int, delay_seconds: float, error: str) -> bool:
        return self._finish_try(
            delivery_id, attempt, state="pending", next_attempt_at=self._later(delay_seconds), last_error=error
        )

    async def dead_letter(self, delivery_id: int, attempt: int, error: str) -> bool:
        return self._finish_try(delivery_id, attempt, state="dead-lettered", last_error=error, finished_at=self.now)

    async def requeue(self, delivery_id: int) -> DeliveryRow | None:
        found = self.deliveries.get(delivery_id)
        if found is None or found["state"] != "dead-lettered":
            return None
        found.update(state="pending", attempts=0, next_attempt_at=self.now, finished_at=None)
        return dict(found)

    async def state_of(self, delivery_id: int) -> str | None:
        found = self.deliveries.get(delivery_id)
        return None if found is None else str(found["state"])

    async def record_retry(self, delivery: DeliveryRow, *, by: str, reason: str, at: datetime) -> DeliveryRow:
        record = {
            "delivery_id": delivery["id"],
            "dossier_code": delivery["dossier_code"],
            "channel": delivery["channel"],
            "error_before": delivery["last_error"],
            "retried_by": by,
            "reason": reason,
            "retried_at": at,
        }
        self.retries.append(record)
        return dict(record)

    def _finish_try(self, delivery_id: int, attempt: int, **changes: object) -> bool:
        found = self.deliveries.get(delivery_id)
        if found is None or (found["attempts"], found["state"]) != (attempt, "sending"):
            return False
        found.update(changes)
        return True

    def _later(self, seconds: float) -> datetime:
        return self.now + timedelta(seconds=seconds)

    def of_event(self, event_id: UUID) -> list[dict[str, Any]]:
        """The deliveries planned for one status change, in the order planned."""
        return [d for d in self.deliveries.values() if d["event_id"] == event_id]
