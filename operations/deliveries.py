"""Deliveries as an operator sees them, through notification's API: listed, and the dead-lettered ones retried.

A retry (``POST /v1/deliveries/{id}/retry``) puts a dead-lettered delivery back in line with its
attempts counted from zero; notification records who asked and why in the transaction that
requeues it, and its worker sends it at its next round. Only a delivery dead-lettered at that
moment is retried, so a repeated command sends nothing twice.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from operations.service_api import ServiceClient, ServiceRefusedError, problem_summary


@dataclass(frozen=True)
class Delivery:
    id: int
    dossier_code: str
    channel: str
    status: str
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
    next_attempt_at: datetime | None
    """When it is tried next, while pending."""


@dataclass(frozen=True)
class Retry:
    delivery_id: int
    retried: bool
    found: bool = True
    why_not: str | None = None
    """Why it was not retried, as notification says it (e.g. ``it is delivered, not dead-lettered``)."""


def _delivery(listed: dict[str, Any]) -> Delivery:
    def at(name: str) -> datetime | None:
        return datetime.fromisoformat(listed[name]) if listed[name] else None

    return Delivery(
        id=listed["id"],
        dossier_code=listed["dossier_code"],
        channel=listed["channel"],
        status=listed["status"],
        state=listed["state"],
        attempts=listed["attempts"],
        last_error=listed["last_error"],
        created_at=datetime.fromisoformat(listed["created_at"]),
        finished_at=at("finished_at"),
        next_attempt_at=at("next_attempt_at"),
    )


async def read_deliveries(
    services: ServiceClient, *, dossier: str | None, state: str | None, limit: int
) -> list[Delivery]:
    """Deliveries, newest first, of one dossier and/or in one state."""
    wanted = {name: value for name, value in (("dossier", dossier), ("state", state)) if value is not None}
    listed = await services.read("notification", "/v1/deliveries", params={**wanted, "limit": limit})
    return [_delivery(d) for d in listed]


async def retry(services: ServiceClient, delivery_ids: list[int], *, by: str, reason: str) -> list[Retry]:
    """Ask notification to put each dead-lettered delivery back in line, saying who asks and why."""
    outcomes = []
    for delivery_id in delivery_ids:
        answer = await services.request(
            "notification", "POST", f"/v1/deliveries/{delivery_id}/retry", json={"by": by, "reason": reason}
        )
        if answer.status_code == 404:
            outcomes.append(Retry(delivery_id, False, found=False))
        elif answer.status_code == 409:
            outcomes.append(Retry(delivery_id, False, why_not=problem_summary(answer).removeprefix("state: ")))
        elif answer.status_code >= 400:
            raise ServiceRefusedError("notification", answer)
        else:
            outcomes.append(Retry(delivery_id, True))
    return outcomes
