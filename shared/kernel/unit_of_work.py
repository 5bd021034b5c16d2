"""The unit of work a use case runs in: its service's store, an outbox bound to the service, the time.

Handlers and HTTP use cases depend on this port alone. The kernel builds the real one on a
PostgreSQL transaction (:func:`on_connection`); the fast tier builds the same dataclass on
an in-memory store and a :class:`RecordingOutbox`, so each use case runs in milliseconds.
"""

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, Protocol, TypeVar
from uuid import UUID, uuid4

import asyncpg

from shared.contracts import Event
from shared.kernel import outbox
from shared.kernel.journal import Journal, RecordingJournal, TransactionalJournal

StoreT = TypeVar("StoreT")


class Outbox(Protocol):
    """Where a use case puts the events it publishes; they leave only if its transaction commits."""

    async def add(self, event: Event) -> UUID:
        """Add ``event``; returns its CloudEvents id."""
        ...


@dataclass
class UnitOfWork(Generic[StoreT]):
    """What one use case gets: its store (on one transaction), its outbox and the time it runs at."""

    store: StoreT
    outbox: Outbox
    now: datetime
    cause: UUID | None = None
    """The id of the event this unit of work handles (its inbox key); None for an HTTP request or a worker."""
    journal: Journal = field(default_factory=RecordingJournal)
    """Where the use case records what it changed, in the same transaction (the fast tier's: in memory)."""


@dataclass(frozen=True)
class TransactionalOutbox:
    """The outbox table on the use case's own connection, bound to the service and topic prefix."""

    connection: asyncpg.Connection
    source: str
    prefix: str

    async def add(self, event: Event) -> UUID:
        return await outbox.enqueue(self.connection, event, source=self.source, prefix=self.prefix)


@dataclass
class RecordingOutbox:
    """The fast tier's outbox: keeps the events a use case published, in order."""

    events: list[Event] = field(default_factory=list)

    async def add(self, event: Event) -> UUID:
        self.events.append(event)
        return uuid4()


StoreFactory = Callable[[asyncpg.Connection], StoreT]
"""Builds a service's store on a connection in a transaction."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Transactions(Generic[StoreT]):
    """Opens a service's units of work: on a connection already in a transaction, or on a new one."""

    pool: Callable[[], asyncpg.Pool]
    store: StoreFactory[StoreT]
    source: str
    """The service's name: the events' ``ce_source``."""
    prefix: str
    """The deployment's topic prefix."""
    clock: Callable[[], datetime] = _utcnow

    def on(self, connection: asyncpg.Connection, *, cause: UUID | None = None) -> UnitOfWork[StoreT]:
        """A unit of work on ``connection``, which the caller has put in a transaction."""
        outbox = TransactionalOutbox(connection, self.source, self.prefix)
        journal = TransactionalJournal(connection, self.clock)
        return UnitOfWork(self.store(connection), outbox, self.clock(), cause, journal)

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[UnitOfWork[StoreT]]:
        """A unit of work on a new transaction, committed when the block ends without an error."""
        async with self.pool().acquire() as connection, connection.transaction():
            yield self.on(connection)
