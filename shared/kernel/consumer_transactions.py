"""A consumer's events applied in shared PostgreSQL transactions while its partition has a backlog.

One transaction per event costs a BEGIN, a COMMIT and a WAL flush for every message. A
:class:`ConsumerTransaction` belongs to one Kafka consumer (which handles its messages one after
the other) and keeps its transaction open across that consumer's events while more are waiting
in the partition, up to ``max_events`` events or ``linger_seconds``; a consumer that has caught up
commits after each event, so a quiet stream waits for nothing.

Why this keeps exactly-once effects: each event's effects and its inbox row are in the shared
transaction, and the consumer's offsets are committed only after it
(:class:`~shared.kernel.offset_commits.BatchCommitConsumer` calls :meth:`ConsumerTransaction.commit`
before committing offsets, before a rebalance takes partitions away and when it stops). A crash
anywhere loses the open transaction and the offsets after the last commit together; the messages
are delivered again and the inbox skips those whose transaction did commit.

When an event fails, the shared transaction may hold half of its writes, so it is rolled back as
a whole; the events applied in it before (kept in memory, in order) are applied again in a fresh
transaction before anything else, so a failure costs only time. The failure itself goes back to
the dead-letter policy as before: transient faults are waited out (and the kept events replayed
on the next try), a final failure dead-letters only the message that caused it.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from asyncpg.transaction import Transaction
from faststream.kafka import KafkaBroker

from shared.kernel.consumers import Handler
from shared.kernel.failure_reasons import failure_reason
from shared.kernel.offset_commits import BatchCommitConsumer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HandledEvent:
    """One event as a consumer handles it: the inbox key, the decoded event and its use case."""

    consumer: str
    event_id: UUID
    event: Any
    handler: Handler


Apply = Callable[[asyncpg.Connection, HandledEvent], Awaitable[None]]
"""Applies one event on a connection in a transaction: its inbox row, then (first delivery only) its handler."""


class ConsumerTransaction:
    """The open transaction of one Kafka consumer (see the module)."""

    def __init__(
        self, pool: Callable[[], asyncpg.Pool], apply: Apply, *, max_events: int, linger_seconds: float
    ) -> None:
        self._pool = pool
        self._apply = apply
        self.max_events = max_events
        self.linger_seconds = linger_seconds
        self._lock = asyncio.Lock()
        self._connection: asyncpg.Connection | None = None
        self._transaction: Transaction | None = None
        self._applied: list[HandledEvent] = []
        """Events applied in the open transaction, or in one rolled back and not applied again yet."""
        self._timer: asyncio.Task[None] | None = None

    async def handle(self, event: HandledEvent, *, more: bool) -> None:
        """Apply ``event`` in the open transaction; commit now unless ``more`` events are waiting (and room is left).

        Raises what applying it raised, after rolling the transaction back (the events before it are
        applied again at the next call or commit).
        """
        async with self._lock:
            try:
                connection = await self._open()
                await self._apply(connection, event)
            except BaseException:
                await self._roll_back()
                raise
            self._applied.append(event)
            if more and len(self._applied) < self.max_events:
                self._commit_later()
            else:
                await self._commit()

    async def commit(self) -> None:
        """Commit the applied events (applying them again first if their transaction was rolled back)."""
        async with self._lock:
            await self._commit()

    async def discard(self) -> None:
        """Forget the uncommitted events: their messages will be delivered again (a rebalance, a stop)."""
        async with self._lock:
            await self._roll_back()
            if self._applied:
                log.info("%d uncommitted events dropped; they will be delivered again", len(self._applied))
            self._applied.clear()

    async def _open(self) -> asyncpg.Connection:
        if self._connection is not None:
            return self._connection
        connection = await self._pool().acquire()
        try:
            transaction = connection.transaction()
            await transaction.start()
            for earlier in self._applied:  # the transaction they were applied in was rolled back
                await self._apply(connection, earlier)
        except BaseException:
            await self._release(connection)
            raise
        self._connection, self._transaction = connection, transaction
        return connection

    async def _commit(self) -> None:
        if not self._applied:
            return
        try:
            await self._open()
            assert self._transaction is not None
            await self._transaction.commit()
        except BaseException:
            await self._roll_back()
            raise
        self._applied.clear()
        connection, self._connection, self._transaction = self._connection, None, None
        if connection is not None:
            await self._release(connection)

    async def _roll_back(self) -> None:
        connection, transaction = self._connection, self._transaction
        self._connection = self._transaction = None
        if connection is None:
            return
        if transaction is not None and not connection.is_closed():
            with contextlib.suppress(Exception):  # a lost connection has rolled back on its own
                await transaction.rollback()
        await self._release(connection)

    async def _release(self, connection: asyncpg.Connection) -> None:
        try:
            await self._pool().release(connection)
        except Exception as error:  # the pool replaces a connection it cannot reset
            log.debug("releasing a consumer's connection failed: %s", failure_reason(error))

    def _commit_later(self) -> None:
        if self._timer is None or self._timer.done():
            self._timer = asyncio.create_task(self._commit_after_linger(), name="lienthong-consumer-commit")

    async def _commit_after_linger(self) -> None:
        await asyncio.sleep(self.linger_seconds)
        try:
            await self.commit()
        except Exception as error:
            # Kept for the next event or the offsets' commit, which tries again (offsets wait for it).
            log.warning("committing %d consumed events failed: %s", len(self._applied), failure_reason(error))

    async def close(self) -> None:
        """Stop the linger timer (the owner commits or discards first)."""
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer


class TransactionalRunner:
    """The kernel's event runner: each event applied once, in the shared transaction of the consumer that read it.

    A message consumed by a :class:`BatchCommitConsumer` shares that consumer's
    :class:`ConsumerTransaction`; one that came some other way gets a transaction of its own.
    """

    def __init__(
        self,
        broker: KafkaBroker,
        pool: Callable[[], asyncpg.Pool],
        apply: Apply,
        *,
        max_events: int,
        linger_seconds: float,
    ) -> None:
        self.broker = broker
        self.pool = pool
        self.apply = apply
        self.max_events = max_events
        self.linger_seconds = linger_seconds

    async def handle_once(self, consumer: str, event_id: UUID, event: Any, handler: Handler) -> None:
        handled = HandledEvent(consumer, event_id, event, handler)
        # Looked up now, not at construction: an application built on the broker replaces its context.
        message = self.broker.context.get_local("message")
        kafka_consumer = getattr(message, "consumer", None)
        if not isinstance(kafka_consumer, BatchCommitConsumer):
            async with self.pool().acquire() as connection, connection.transaction():
                await self.apply(connection, handled)
            return
        if kafka_consumer.effects is None:
            kafka_consumer.effects = ConsumerTransaction(
                self.pool, self.apply, max_events=self.max_events, linger_seconds=self.linger_seconds
            )
        effects = kafka_consumer.effects
        assert isinstance(effects, ConsumerTransaction)
        await effects.handle(handled, more=backlog_after(kafka_consumer, message.raw_message))


def backlog_after(consumer: AIOKafkaConsumer, record: Any) -> bool:
    """True when ``record``'s partition holds later messages the consumer knows of (its last fetch's high watermark)."""
    try:
        highwater = consumer.highwater(TopicPartition(record.topic, record.partition))
    except Exception:  # not assigned any more, or no fetch answered yet
        return False
    return highwater is not None and record.offset + 1 < highwater
