"""The journal: every state-changing action of a service, appended to a per-dossier hash chain.

Each entry holds the SHA-256 of its canonical form, which includes the hash of the entry
before it (:data:`GENESIS` for the first), so changing, removing or reordering an entry
breaks every hash after it (:mod:`shared.kernel.journal_chain` says where). A chain is named
after the dossier's code, or ``service:<name>`` for an action on no dossier.

An entry is appended inside the use case's transaction (``uow.journal``), so it exists exactly
when the state change does. **It never holds personal data** (no citizen ID, name, phone,
e-mail, Zalo id): personal data is pseudonymised after its retention period, the journal must
stay verifiable for ever. Details carry codes, statuses, unit codes, clerk and client ids,
event, document and payment ids.
"""

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import asyncpg

GENESIS = "0" * 64
"""The ``previous_hash`` of a chain's first entry."""

Details = Mapping[str, Any]
"""What an entry says beyond its action and actor: JSON values (strings, integers, booleans, lists, objects)."""


SYSTEM = "system"
"""The actor of what a service did on its own or on another service's event."""
CITIZEN = "citizen"
"""The actor of what an applicant did (never their citizen ID: the journal holds no personal data)."""


def clerk_actor(clerk_id: str) -> str:
    return f"clerk:{clerk_id}"


def client_actor(client_id: str) -> str:
    return f"client:{client_id}"


def operator_actor(operator_id: str) -> str:
    return f"operator:{operator_id}"


def service_chain(service: str) -> str:
    """The chain of a service's actions that concern no dossier (an operator's retry, a retention run)."""
    return f"service:{service}"


@dataclass(frozen=True)
class Entry:
    """One entry of a chain, as stored."""

    chain: str
    position: int
    recorded_at: datetime
    action: str
    actor: str
    details: Details
    previous_hash: str
    hash: str


def canonical_form(
    chain: str, position: int, recorded_at: datetime, action: str, actor: str, details: Details, previous_hash: str
) -> bytes:
    """The bytes an entry's hash is taken over: JSON with sorted keys and no spaces, UTF-8.

    ``recorded_at`` is written in UTC with microseconds, as PostgreSQL keeps it.
    """
    document = {
        "chain": chain,
        "position": position,
        "recorded_at": recorded_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "action": action,
        "actor": actor,
        "details": details,
        "previous_hash": previous_hash,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(
    chain: str, position: int, recorded_at: datetime, action: str, actor: str, details: Details, previous_hash: str
) -> str:
    """The SHA-256 (hex) of an entry's canonical form."""
    return hashlib.sha256(
        canonical_form(chain, position, recorded_at, action, actor, details, previous_hash)
    ).hexdigest()


def recomputed_hash(entry: Entry, *, position: int | None = None) -> str:
    """The hash ``entry`` should carry (at ``position`` instead of its own, when given)."""
    at = entry.position if position is None else position
    return entry_hash(entry.chain, at, entry.recorded_at, entry.action, entry.actor, entry.details, entry.previous_hash)


def next_entry(
    head: Entry | None, chain: str, action: str, actor: str, details: Details, recorded_at: datetime
) -> Entry:
    """The entry that follows ``head`` (None: the chain's first).

    Its time is never before the head's, so "the chain's last entry recorded before an instant"
    is always a prefix of the chain (what a day's seal covers), whatever the clocks did.
    """
    position, previous, at = 1, GENESIS, recorded_at
    if head is not None:
        position, previous, at = head.position + 1, head.hash, max(recorded_at, head.recorded_at)
    plain = json.loads(json.dumps(dict(details)))  # what the database gives back, so the hash survives the trip
    digest = entry_hash(chain, position, at, action, actor, plain, previous)
    return Entry(chain, position, at, action, actor, plain, previous, digest)


class Journal(Protocol):
    """Where a use case records what it changed; the entries exist only if its transaction commits."""

    async def append(self, chain: str, action: str, actor: str, details: Details | None = None) -> Entry:
        """Append one entry to ``chain``; returns it (its ``hash`` is the chain's new head)."""
        ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class RecordingJournal:
    """The fast tier's journal: keeps the chains in memory, hashed exactly as the real one."""

    clock: Callable[[], datetime] = _utcnow
    entries: list[Entry] = field(default_factory=list)

    async def append(self, chain: str, action: str, actor: str, details: Details | None = None) -> Entry:
        entry = next_entry(self.head(chain), chain, action, actor, details or {}, self.clock())
        self.entries.append(entry)
        return entry

    def head(self, chain: str) -> Entry | None:
        return next((e for e in reversed(self.entries) if e.chain == chain), None)

    def actions(self, chain: str) -> list[str]:
        """The actions recorded on ``chain``, in order."""
        return [e.action for e in self.entries if e.chain == chain]


_COLUMNS = "chain, position, recorded_at, action, actor, details, previous_hash, hash"


def entry_of(row: asyncpg.Record) -> Entry:
    details = row["details"]
    return Entry(
        row["chain"],
        row["position"],
        row["recorded_at"],
        row["action"],
        row["actor"],
        json.loads(details) if isinstance(details, str) else details,
        row["previous_hash"],
        row["hash"],
    )


async def head_of(connection: asyncpg.Connection, chain: str) -> Entry | None:
    """The last entry of ``chain`` in the connection's schema, or None when the chain has none."""
    row = await connection.fetchrow(
        f"SELECT {_COLUMNS} FROM journal WHERE chain = $1 ORDER BY position DESC LIMIT 1", chain
    )
    return None if row is None else entry_of(row)


async def head_hash(connection: asyncpg.Connection, chain: str) -> str | None:
    """The hash of ``chain``'s last entry (what a receipt and the citizen lookup show), or None."""
    head = await head_of(connection, chain)
    return None if head is None else head.hash


async def chain_entries(connection: asyncpg.Connection, chain: str) -> list[Entry]:
    """Every entry of ``chain``, in position order."""
    rows = await connection.fetch(f"SELECT {_COLUMNS} FROM journal WHERE chain = $1 ORDER BY position", chain)
    return [entry_of(row) for row in rows]


SEAL_LOCK = "journal-seal"
"""Appends hold it shared, the day's sealing exclusively: a seal sees every entry of its day committed."""


@dataclass(frozen=True)
class TransactionalJournal:
    """The service's ``journal`` table on the use case's own connection (in its transaction)."""

    connection: asyncpg.Connection
    clock: Callable[[], datetime] = _utcnow

    async def append(self, chain: str, action: str, actor: str, details: Details | None = None) -> Entry:
        await self.connection.execute(
            "SELECT pg_advisory_xact_lock_shared(hashtext($1), hashtext(current_schema()))", SEAL_LOCK
        )
        # One appender per chain at a time: positions and links stay a line, never a fork.
        await self.connection.execute(
            "SELECT pg_advisory_xact_lock(hashtext('journal:' || current_schema()), hashtext($1))", chain
        )
        entry = next_entry(await head_of(self.connection, chain), chain, action, actor, details or {}, self.clock())
        await self.connection.execute(
            f"INSERT INTO journal ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            entry.chain,
            entry.position,
            entry.recorded_at,
            entry.action,
            entry.actor,
            json.dumps(entry.details),
            entry.previous_hash,
            entry.hash,
        )
        return entry
