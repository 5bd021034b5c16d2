"""``lienthong timeline <code>``: one dossier as every service saw it, in time order, with its traces.

Assembled from the services' read APIs: intake's dossier and its history, routing's plan and
its audit, the department's tasks in every unit, notification's deliveries, and the events
each service published about the dossier (with their trace ids). What they answer of the
applicant is never kept.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from operations.service_api import ServiceClient, ServiceRefusedError, ServiceUnavailableError, in_path
from services.registry import SERVICES
from shared.reference.calendar import OFFICE_TIMEZONE

OFFICE_ZONE = ZoneInfo(OFFICE_TIMEZONE)


@dataclass(frozen=True)
class Entry:
    """One thing that happened to the dossier in one service."""

    at: datetime
    service: str
    what: str
    trace_id: str | None = None


@dataclass
class Timeline:
    """Everything the services know of one dossier."""

    code: str
    dossier_id: UUID | None = None
    procedure_code: str | None = None
    status: str | None = None
    entries: list[Entry] = field(default_factory=list)
    unreadable: dict[str, str] = field(default_factory=dict)

    @property
    def trace_ids(self) -> list[str]:
        """Distinct traces of the dossier, the submission's first."""
        seen: dict[str, None] = {}
        for entry in sorted(self.entries, key=lambda e: e.at):
            if entry.trace_id:
                seen.setdefault(entry.trace_id)
        return list(seen)


Reader = Callable[[ServiceClient, Timeline], Awaitable[list[Entry]]]


async def read_timeline(services: ServiceClient, code: str) -> Timeline:
    """Collect the dossier's timeline; a service that cannot be read is named in ``unreadable``."""
    timeline = Timeline(code)
    readers: list[tuple[str, Reader]] = [
        ("intake", _intake),
        ("routing", _routing),
        ("department", _department),
        ("notification", _notification),
    ]
    readers += [(f"{service.name} outbox", _published_by(service.name)) for service in SERVICES]
    found = await asyncio.gather(*(reader(services, timeline) for _, reader in readers), return_exceptions=True)
    for (name, _), entries in zip(readers, found, strict=True):
        if isinstance(entries, ServiceUnavailableError | ServiceRefusedError):
            timeline.unreadable[name] = str(entries)
        elif isinstance(entries, BaseException):
            raise entries
        else:
            timeline.entries += entries
    timeline.entries.sort(key=lambda e: e.at)
    return timeline


async def _intake(services: ServiceClient, timeline: Timeline) -> list[Entry]:
    dossier = await services.read("intake", f"/v1/dossiers/{in_path(timeline.code)}", absent_ok=True)
    if dossier is None:
        return []
    timeline.procedure_code, timeline.status = dossier["procedure_code"], dossier["status"]
    entries = [Entry(_at(dossier["received_at"]), "intake", f"received, due {_office(dossier['due_at'])}")]
    for h in dossier["history"]:
        where = f" at {h['unit']}" if h["unit"] else ""
        note = f" ({h['note']})" if h["note"] else ""
        entries.append(Entry(_at(h["at"]), "intake", f"status {h['status']}{where}{note}"))
    return entries


async def _routing(services: ServiceClient, timeline: Timeline) -> list[Entry]:
    plan = await services.read("routing", f"/v1/dossiers/{in_path(timeline.code)}/plan", absent_ok=True)
    entries = []
    for a in plan["audit"] if plan else []:
        units = " → ".join(u for u in (a["from_unit"], a["to_unit"]) if u)
        parts = [a["action"], a["task_key"], units, f"rule {a['rule']}" if a["rule"] else None, a["detail"]]
        entries.append(Entry(_at(a["at"]), "routing", " ".join(p for p in parts if p)))
    return entries


async def _department(services: ServiceClient, timeline: Timeline) -> list[Entry]:
    entries = []
    for t in await services.read("department", f"/v1/dossiers/{in_path(timeline.code)}/tasks"):
        task = " ".join(p for p in ("task", t["task_key"], "at", t["unit_code"]) if p)
        due = f", due {_office(t['due_at'])}" if t["due_at"] else ""
        entries.append(Entry(_at(t["assigned_at"]), "department", f"{task} assigned{due}"))
        if t["completed_at"]:
            by = f" by {t['completed_by']}" if t["completed_by"] else ""
            reason = f" ({t['reason']})" if t["reason"] else ""
            entries.append(Entry(_at(t["completed_at"]), "department", f"{task} {t['status']}{by}{reason}"))
    return entries


async def _notification(services: ServiceClient, timeline: Timeline) -> list[Entry]:
    dossier = f"/v1/dossiers/{in_path(timeline.code)}"
    messages, records = await asyncio.gather(
        services.read("notification", f"{dossier}/notifications"),
        services.read("notification", f"{dossier}/portal-syncs"),
    )
    entries = []
    for n in sorted([*messages, *records], key=lambda n: n["id"]):
        told = "national portal sent" if n["channel"] == "portal" else f"applicant told by {n['channel']}:"
        tries = f"{n['attempts']} attempt{'' if n['attempts'] == 1 else 's'}"
        error = f"; {n['last_error']}" if n["last_error"] and n["state"] != "delivered" else ""
        at = _at(n["finished_at"] or n["created_at"])
        entries.append(Entry(at, "notification", f"{told} '{n['status']}' ({n['state']}, {tries}{error})"))
    return entries


def _published_by(service: str) -> Reader:
    async def read(services: ServiceClient, timeline: Timeline) -> list[Entry]:
        events: list[dict[str, Any]] = await services.read(
            service, f"/v1/dossiers/{in_path(timeline.code)}/published-events"
        )
        if events and timeline.dossier_id is None:
            with contextlib.suppress(ValueError):  # every service keys its events by the dossier's id
                timeline.dossier_id = UUID(events[0]["key"])
        return [
            Entry(
                _at(e["created_at"]),
                service,
                f"{'published' if e['published_at'] else 'waiting in outbox:'} {e['topic']}",
                e["trace_id"],
            )
            for e in events
        ]

    return read


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _office(at: str | None) -> str:
    return f"{_at(at).astimezone(OFFICE_ZONE):%Y-%m-%d %H:%M} (office time)" if at else "not set"
