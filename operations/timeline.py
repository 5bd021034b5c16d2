"""``lienthong timeline <code>``: one dossier as every service saw it, in time order, with its traces.

Reads each service's schema (an operator tool may; services never read each other's
tables). Applicant data is never selected.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg

from shared.observability.trace_ui import trace_id_of
from shared.reference.calendar import OFFICE_TIMEZONE

SERVICES = ("intake", "routing", "department", "notification")
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


async def read_timeline(connection: asyncpg.Connection, code: str) -> Timeline:
    """Collect the dossier's timeline; a schema that cannot be read is named in ``unreadable``."""
    timeline = Timeline(code)
    readers: list[tuple[str, Callable[[asyncpg.Connection, Timeline], Awaitable[None]]]] = [
        ("intake", _intake),
        ("routing", _routing),
        ("department", _department),
        ("notification", _notification),
    ]
    readers += [(f"{service} outbox", _outbox(service)) for service in SERVICES]
    for name, reader in readers:
        try:
            async with connection.transaction():
                await reader(connection, timeline)
        except asyncpg.PostgresError as error:
            timeline.unreadable[name] = f"{type(error).__name__}: {error}"
    timeline.entries.sort(key=lambda e: e.at)
    return timeline


async def _intake(connection: asyncpg.Connection, timeline: Timeline) -> None:
    row = await connection.fetchrow(
        "SELECT id, procedure_code, status, received_at, due_at FROM intake.dossiers WHERE code = $1", timeline.code
    )
    if row is None:
        return
    timeline.dossier_id, timeline.procedure_code, timeline.status = row["id"], row["procedure_code"], row["status"]
    timeline.entries.append(Entry(row["received_at"], "intake", f"received, due {_office(row['due_at'])}"))
    for h in await connection.fetch(
        "SELECT status, unit, note, at FROM intake.dossier_history WHERE dossier_id = $1 ORDER BY id", row["id"]
    ):
        where = f" at {h['unit']}" if h["unit"] else ""
        note = f" ({h['note']})" if h["note"] else ""
        timeline.entries.append(Entry(h["at"], "intake", f"status {h['status']}{where}{note}"))


async def _routing(connection: asyncpg.Connection, timeline: Timeline) -> None:
    row = await connection.fetchrow("SELECT id, status FROM routing.dossiers WHERE code = $1", timeline.code)
    if row is None:
        return
    timeline.dossier_id = timeline.dossier_id or row["id"]
    for a in await connection.fetch(
        "SELECT at, action, task_key, from_unit, to_unit, rule, detail FROM routing.routing_audit"
        " WHERE dossier_id = $1 ORDER BY id",
        row["id"],
    ):
        units = " → ".join(u for u in (a["from_unit"], a["to_unit"]) if u)
        parts = [a["action"], a["task_key"], units, f"rule {a['rule']}" if a["rule"] else None, a["detail"]]
        timeline.entries.append(Entry(a["at"], "routing", " ".join(p for p in parts if p)))


async def _department(connection: asyncpg.Connection, timeline: Timeline) -> None:
    for t in await connection.fetch(
        "SELECT unit_code, task_key, status, assigned_at, due_at, completed_at, completed_by, reason"
        " FROM department.tasks WHERE dossier_code = $1 ORDER BY assigned_at",
        timeline.code,
    ):
        task = " ".join(p for p in ("task", t["task_key"], "at", t["unit_code"]) if p)
        due = f", due {_office(t['due_at'])}" if t["due_at"] else ""
        timeline.entries.append(Entry(t["assigned_at"], "department", f"{task} assigned{due}"))
        if t["completed_at"]:
            by = f" by {t['completed_by']}" if t["completed_by"] else ""
            reason = f" ({t['reason']})" if t["reason"] else ""
            timeline.entries.append(Entry(t["completed_at"], "department", f"{task} {t['status']}{by}{reason}"))


async def _notification(connection: asyncpg.Connection, timeline: Timeline) -> None:
    for n in await connection.fetch(
        "SELECT coalesce(finished_at, created_at) AS at, channel, status, state, attempts, last_error"
        " FROM notification.deliveries WHERE dossier_code = $1 ORDER BY id",
        timeline.code,
    ):
        told = "national portal sent" if n["channel"] == "portal" else f"applicant told by {n['channel']}:"
        tries = f"{n['attempts']} attempt{'' if n['attempts'] == 1 else 's'}"
        error = f"; {n['last_error']}" if n["last_error"] and n["state"] != "delivered" else ""
        timeline.entries.append(
            Entry(n["at"], "notification", f"{told} '{n['status']}' ({n['state']}, {tries}{error})")
        )


def _outbox(service: str) -> Callable[[asyncpg.Connection, Timeline], Awaitable[None]]:
    async def read(connection: asyncpg.Connection, timeline: Timeline) -> None:
        for o in await connection.fetch(
            "SELECT created_at, published_at, topic, headers->>'ce_type' AS type,"
            " trace_carrier->>'traceparent' AS traceparent"
            f" FROM \"{service}\".outbox WHERE headers->>'ce_subject' = $1 ORDER BY id",
            timeline.code,
        ):
            sent = "published" if o["published_at"] else "waiting in outbox:"
            timeline.entries.append(
                Entry(o["created_at"], service, f"{sent} {o['topic']}", trace_id_of(o["traceparent"]))
            )

    return read


def _office(at: datetime | None) -> str:
    return f"{at.astimezone(OFFICE_ZONE):%Y-%m-%d %H:%M} (office time)" if at else "not set"
