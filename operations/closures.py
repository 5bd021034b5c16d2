"""Closures (force majeure) as an operator declares and follows them, through routing's API.

A closure stops the clocks of the open dossiers and tasks of some communes (or a whole province)
for its days: routing keeps it (``/v1/closures``), journals it with the decision that ordered it,
and its re-projection worker moves the open due dates; the applicants are told their new
appointment. Ending a closure early or extending it moves them again.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from operations.service_api import ServiceClient, ServiceRefusedError, in_path

ROUTING = "routing"


@dataclass(frozen=True)
class ClosureDecision:
    """The document that ordered the closure."""

    number: str
    issued_on: date
    issuer: str


@dataclass(frozen=True)
class Closure:
    id: UUID
    province_code: str
    communes: list[str]
    first_day: date
    last_day: date
    reason: str
    decision: ClosureDecision
    declared_by: str
    declared_at: datetime
    ended_at: datetime | None
    dossiers_concerned: int | None
    """How many open dossiers have their due dates counted again (answered on a change, not in a list)."""


def _closure(answer: dict[str, Any]) -> Closure:
    d = answer["decision"]
    return Closure(
        id=UUID(answer["id"]),
        province_code=answer["province_code"],
        communes=list(answer["communes"]),
        first_day=date.fromisoformat(answer["first_day"]),
        last_day=date.fromisoformat(answer["last_day"]),
        reason=answer["reason"],
        decision=ClosureDecision(d["number"], date.fromisoformat(d["issued_on"]), d["issuer"]),
        declared_by=answer["declared_by"],
        declared_at=datetime.fromisoformat(answer["declared_at"]),
        ended_at=datetime.fromisoformat(answer["ended_at"]) if answer["ended_at"] else None,
        dossiers_concerned=answer.get("dossiers_concerned"),
    )


async def _changed(services: ServiceClient, path: str, body: dict[str, Any]) -> Closure:
    answer = await services.request(ROUTING, "POST", path, json=body)
    if answer.status_code >= 400:
        raise ServiceRefusedError(ROUTING, answer)
    return _closure(answer.json())


async def declare(
    services: ServiceClient,
    *,
    province_code: str,
    communes: list[str],
    first_day: date,
    last_day: date,
    reason: str,
    decision: ClosureDecision,
) -> Closure:
    """Declare a closure of ``communes`` of the province (none: the whole province), both days included."""
    body = {
        "province_code": province_code,
        "communes": communes,
        "first_day": first_day.isoformat(),
        "last_day": last_day.isoformat(),
        "reason": reason,
        "decision": {"number": decision.number, "issued_on": decision.issued_on.isoformat(), "issuer": decision.issuer},
    }
    return await _changed(services, "/v1/closures", body)


async def end(services: ServiceClient, closure_id: UUID, reopened_on: date) -> Closure:
    """End the closure early: the offices work again from ``reopened_on``."""
    return await _changed(
        services, f"/v1/closures/{in_path(str(closure_id))}/end", {"reopened_on": reopened_on.isoformat()}
    )


async def extend(services: ServiceClient, closure_id: UUID, last_day: date) -> Closure:
    """Extend the closure to a later last closed day."""
    return await _changed(
        services, f"/v1/closures/{in_path(str(closure_id))}/extension", {"last_day": last_day.isoformat()}
    )


async def listed(services: ServiceClient, province_code: str | None) -> list[Closure]:
    """The closures of a province (every province when None), latest first."""
    params = {"province_code": province_code} if province_code else None
    return [_closure(c) for c in await services.read(ROUTING, "/v1/closures", params=params)]
