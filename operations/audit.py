"""``lienthong audit verify [CODE | --all] [--database URL]``: recompute the journals and name the first break.

Each service serves its journal (``GET /v1/journal…``, :mod:`shared.kernel.journal_api`); the
operators' own journal (dead-letter replays) is in the ``operations`` schema, which the CLI
reads itself. This module recomputes every hash, link and day root
(:mod:`shared.kernel.journal_chain`), trusting nothing a service says about its own entries,
then checks the public board's daily roots against the services' own seals. With a dossier
code it checks the dossier's chain in each journal and the heads the day seals kept of it;
with ``--all`` every chain and every sealed day. ``--database`` reads the journal tables of
every schema of a database directly instead (a copy, e.g. a restored backup).
"""

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

import asyncpg

from operations import database as operations_database
from operations.service_api import ServiceClient, ServiceRefusedError, ServiceUnavailableError, in_path
from services.department.stats.journal_board import MAX_DAYS, latest_days
from services.registry import SERVICES
from shared.contracts import SEALING_SERVICES
from shared.kernel.journal import Entry, chain_entries
from shared.kernel.journal_chain import (
    SEAL_MISMATCH,
    Break,
    Seal,
    SealedHead,
    day_root,
    verify_chain,
    verify_kept_heads,
    verify_seal,
)
from shared.kernel.journal_seals import seals as stored_seals
from shared.kernel.settings import CommonSettings

PAGE = 1000
BOARD = "board"
"""The name the public board's daily roots are reported under."""


class JournalSource(Protocol):
    """One journal to verify: a service's (over HTTP) or a schema's (read directly)."""

    name: str

    async def chain_names(self) -> list[str]: ...

    async def chain(self, chain: str) -> list[Entry]: ...

    async def seals(self) -> list[Seal]: ...


@dataclass
class ServiceAudit:
    """What one journal gave: how much was checked, and the first break (None: it holds)."""

    service: str
    chains: int = 0
    entries: int = 0
    seals: int = 0
    broken: Break | None = None
    unreadable: str | None = None


@dataclass
class Audit:
    services: list[ServiceAudit] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return all(s.broken is None and s.unreadable is None for s in self.services)


def entry_of(item: Mapping[str, Any]) -> Entry:
    return Entry(
        item["chain"],
        item["position"],
        datetime.fromisoformat(item["recorded_at"]),
        item["action"],
        item["actor"],
        item["details"],
        item["previous_hash"],
        item["hash"],
    )


def seal_of(item: Mapping[str, Any]) -> Seal:
    return Seal(
        date.fromisoformat(item["day"]),
        datetime.fromisoformat(item["until"]),
        item["root"],
        item["chains"],
        item["entries"],
        tuple(SealedHead(h["chain"], h["position"], h["hash"]) for h in item["heads"]),
    )


@dataclass
class ServiceJournal:
    """A running service's journal, read through its operator API."""

    services: ServiceClient
    name: str

    async def chain(self, chain: str) -> list[Entry]:
        found = await self.services.read(self.name, f"/v1/journal/{in_path(chain)}")
        return [entry_of(e) for e in found["entries"]]

    async def chain_names(self) -> list[str]:
        names: list[str] = []
        after: str | None = ""
        while after is not None:
            page = await self.services.read(self.name, "/v1/journal", {"after": after, "limit": PAGE})
            names += [c["chain"] for c in page["chains"]]
            after = page["next"]
        return names

    async def seals(self) -> list[Seal]:
        found: list[Seal] = []
        while True:
            params: dict[str, Any] = {"limit": PAGE} | ({"after": found[-1].day.isoformat()} if found else {})
            page = [seal_of(s) for s in await self.services.read(self.name, "/v1/journal-seals", params)]
            found += page
            if len(page) < PAGE:
                return found


@dataclass
class SchemaJournal:
    """The journal tables of one schema, on a connection whose search path is that schema."""

    connection: asyncpg.Connection
    name: str

    async def chain(self, chain: str) -> list[Entry]:
        return await chain_entries(self.connection, chain)

    async def chain_names(self) -> list[str]:
        return [r["chain"] for r in await self.connection.fetch("SELECT DISTINCT chain FROM journal ORDER BY chain")]

    async def seals(self) -> list[Seal]:
        return await stored_seals(self.connection, after=None, limit=100_000)


UNREADABLE = (ServiceUnavailableError, ServiceRefusedError, asyncpg.PostgresError, OSError, LookupError)


async def verify_dossier(sources: Sequence[JournalSource], code: str) -> Audit:
    """The dossier's chain in each journal, and the heads the seals kept of it."""
    audit = Audit()
    for source in sources:
        checked = ServiceAudit(source.name)
        audit.services.append(checked)
        try:
            entries = await source.chain(code)
            seals = await source.seals()
        except UNREADABLE as error:  # the others still get a verdict
            checked.unreadable = str(error) or type(error).__name__
            continue
        checked.chains, checked.entries, checked.seals = int(bool(entries)), len(entries), len(seals)
        checked.broken = verify_chain(entries) or verify_kept_heads(seals, code, entries)
    return audit


async def verify_everything(sources: Sequence[JournalSource], board: "BoardSource | None" = None) -> Audit:
    """Every chain of every journal, every sealed day's root over them, then the board's daily roots."""
    audit = Audit()
    sealed: dict[str, list[Seal]] = {}
    for source in sources:
        checked = ServiceAudit(source.name)
        audit.services.append(checked)
        try:
            chains = {n: await source.chain(n) for n in await source.chain_names()}
            seals = sealed[source.name] = await source.seals()
        except UNREADABLE as error:  # the others still get a verdict
            checked.unreadable = str(error) or type(error).__name__
            continue
        checked.chains, checked.entries, checked.seals = len(chains), sum(map(len, chains.values())), len(seals)
        checked.broken = next(filter(None, (verify_chain(e) for e in chains.values())), None) or next(
            filter(None, (verify_seal(s, chains) for s in seals)), None
        )
    if board is not None:
        audit.services.append(await verify_board(board, sealed))
    return audit


class BoardSource(Protocol):
    """The public board's daily roots, as its JSON gives them (``GET /v1/board/journal-roots``)."""

    async def days(self) -> list[Mapping[str, Any]]: ...


@dataclass
class BoardOverHttp:
    services: ServiceClient

    async def days(self) -> list[Mapping[str, Any]]:
        found: list[Mapping[str, Any]] = await self.services.read(
            "department", "/v1/board/journal-roots", {"days": MAX_DAYS}
        )
        return found


@dataclass
class BoardInSchema:
    """The board's roots in the department's schema of a database copy."""

    connection: asyncpg.Connection

    async def days(self) -> list[Mapping[str, Any]]:
        return [d.model_dump(mode="json") for d in await latest_days(self.connection, MAX_DAYS)]


async def verify_board(board: BoardSource, sealed: Mapping[str, Sequence[Seal]]) -> ServiceAudit:
    """Whether each day root on the board is the root over the services' own seals of that day."""
    checked = ServiceAudit(BOARD)
    try:
        days = await board.days()
    except UNREADABLE as error:
        checked.unreadable = str(error) or type(error).__name__
        return checked
    checked.seals = sum(1 for d in days if d["root"] is not None)
    checked.broken = next(filter(None, (_board_day_holds(d, sealed) for d in days)), None)
    return checked


def _board_day_holds(day: Mapping[str, Any], sealed: Mapping[str, Sequence[Seal]]) -> Break | None:
    on = date.fromisoformat(day["day"]) if isinstance(day["day"], str) else day["day"]
    own = {s: next((x.root for x in sealed.get(s, ()) if x.day == on), None) for s in SEALING_SERVICES}
    for shown in day["services"]:
        if shown["service"] in sealed and own.get(shown["service"]) != shown["root"]:
            detail = f"the board shows another root of {on} for {shown['service']} than its own seal"
            return Break(f"{BOARD}:{on}", None, SEAL_MISMATCH, detail)
    if day["root"] is not None and all(own.values()) and day_root(own.items()) != day["root"]:  # type: ignore[arg-type]
        return Break(f"{BOARD}:{on}", None, SEAL_MISMATCH, f"the day root of {on} is not the root over the seals")
    return None


@dataclass
class UnreadableJournal:
    """A journal that could not be opened: every read says why."""

    name: str
    error: Exception

    async def chain(self, chain: str) -> list[Entry]:
        raise self.error

    async def chain_names(self) -> list[str]:
        raise self.error

    async def seals(self) -> list[Seal]:
        raise self.error


Journals = tuple[list[JournalSource], BoardSource]


@contextlib.asynccontextmanager
async def running_journals(settings: CommonSettings) -> AsyncIterator[Journals]:
    """The running services' journals and board over HTTP, and the operators' journal in their schema."""
    async with ServiceClient() as services, contextlib.AsyncExitStack() as opened:
        sources: list[JournalSource] = [ServiceJournal(services, s.name) for s in SERVICES]
        try:
            connection = await operations_database.connect(settings)
        except UNREADABLE as error:
            sources.append(UnreadableJournal(operations_database.SCHEMA, error))
        else:
            opened.push_async_callback(connection.close)
            sources.append(SchemaJournal(connection, operations_database.SCHEMA))
        yield sources, BoardOverHttp(services)


@contextlib.asynccontextmanager
async def database_journals(url: str) -> AsyncIterator[Journals]:
    """The journal tables of every service's schema and the operators' in the database at ``url`` (a copy)."""
    async with contextlib.AsyncExitStack() as opened:
        sources: list[JournalSource] = []
        board: BoardSource | None = None
        for schema in [*(s.name for s in SERVICES), operations_database.SCHEMA]:
            try:
                connection = await asyncpg.connect(url, server_settings={"search_path": schema})
            except UNREADABLE as error:
                sources.append(UnreadableJournal(schema, error))
                continue
            opened.push_async_callback(connection.close)
            if schema == operations_database.SCHEMA and not await connection.fetchval("SELECT to_regclass('journal')"):
                continue  # no replay was ever journalled there
            sources.append(SchemaJournal(connection, schema))
            if schema == "department":
                board = BoardInSchema(connection)
        yield sources, board or UnreadableBoard(LookupError("no department schema"))


@dataclass
class UnreadableBoard:
    error: Exception

    async def days(self) -> list[Mapping[str, Any]]:
        raise self.error


def report(audit: Audit) -> list[str]:
    """One line per journal: what held, or where it broke (service, chain, position, what is wrong)."""
    lines = []
    for s in audit.services:
        if s.unreadable is not None:
            lines.append(f"{s.service:13} UNREADABLE  {s.unreadable}")
        elif s.broken is not None:
            b = s.broken
            where = f"chain {b.chain or '(all chains)'}" + (f" position {b.position}" if b.position is not None else "")
            lines.append(f"{s.service:13} BROKEN  {where}: {b.kind} ({b.detail})")
        elif s.service == BOARD:
            lines.append(f"{s.service:13} ok  {s.seals} day root(s) match the services' seals")
        else:
            lines.append(f"{s.service:13} ok  {s.entries} entries in {s.chains} chain(s), {s.seals} sealed day(s)")
    return lines
