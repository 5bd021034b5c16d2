"""Task changes as they commit, from PostgreSQL's LISTEN/NOTIFY, fanned out to subscribers per unit.

Each history row is announced by a trigger on commit (migration 0003). One connection
per process listens; each subscriber gets a queue of its unit's changes. A subscriber
that falls too far behind, or every subscriber when the listening connection is lost,
gets ``None``: its stream ends and the client reconnects with ``Last-Event-ID``, catching
up from the history table.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

CHANNEL = "department_task_changes"
QUEUE_SIZE = 1000
log = logging.getLogger(__name__)

Change = dict[str, Any]


class ChangeFeed:
    """Listens once, lazily, and hands each unit's changes to that unit's subscribers."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._connection: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()
        self._subscribers: dict[str, set[asyncio.Queue[Change | None]]] = {}

    @contextlib.asynccontextmanager
    async def subscribe(self, unit: str) -> AsyncIterator[asyncio.Queue[Change | None]]:
        """A queue of ``unit``'s changes committed from now on; ``None`` means the feed broke off."""
        queue: asyncio.Queue[Change | None] = asyncio.Queue(QUEUE_SIZE)
        await self._listen()
        self._subscribers.setdefault(unit, set()).add(queue)
        try:
            yield queue
        finally:
            self._subscribers.get(unit, set()).discard(queue)

    async def close(self) -> None:
        """Stop listening and end every subscriber's stream."""
        async with self._lock:
            if self._connection is not None and not self._connection.is_closed():
                await self._connection.close()
            self._connection = None
        self._end_all()

    async def _listen(self) -> None:
        async with self._lock:
            if self._connection is not None and not self._connection.is_closed():
                return
            connection = await asyncpg.connect(self._dsn)
            await connection.add_listener(CHANNEL, self._announced)
            connection.add_termination_listener(self._lost)
            self._connection = connection

    def _announced(self, _connection: object, _pid: int, _channel: str, payload: object) -> None:
        try:
            change: Change = json.loads(str(payload))
        except ValueError:
            log.warning("ignoring a malformed task change announcement")
            return
        for queue in list(self._subscribers.get(str(change.get("unit_code")), ())):
            try:
                queue.put_nowait(change)
            except asyncio.QueueFull:
                _end(queue)

    def _lost(self, _connection: object) -> None:
        log.warning("change feed: the listening connection was lost; streams end and clients reconnect")
        self._connection = None
        self._end_all()

    def _end_all(self) -> None:
        for queues in self._subscribers.values():
            for queue in queues:
                _end(queue)


def _end(queue: asyncio.Queue[Change | None]) -> None:
    while not queue.empty():
        queue.get_nowait()
    queue.put_nowait(None)
