"""The loop that sends deadline marks: reviews due clocks, records each mark with its event."""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from services.department.deadlines import store
from services.department.deadlines.marks import DeadlinePolicy, TaskClock
from services.department.domain.task import TaskStatus
from shared.contracts import TaskDeadlineReached
from shared.kernel import outbox

SOURCE = "department"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pass:
    """What one review did."""

    reviewed: int
    sent: int


class DeadlineScheduler:
    """Sends ``TaskDeadlineReached`` once per task and kind, from any number of instances.

    Each review is one transaction: the clocks it locks (others skip them), the mark rows
    (a primary key per task and kind) and the outbox rows commit together, so a crash
    sends nothing and the next review, here or in another instance, sends it once.
    """

    def __init__(
        self,
        pool: Callable[[], asyncpg.Pool],
        policy: DeadlinePolicy,
        *,
        prefix: str,
        poll_seconds: float,
        batch: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self._pool = pool
        self._policy = policy
        self._prefix = prefix
        self._poll_seconds = poll_seconds
        self._batch = batch
        self._clock = clock

    async def run(self) -> None:
        """Review every ``poll_seconds`` until cancelled; a failed review is retried at the next poll."""
        while True:
            try:
                while (await self.review()).reviewed == self._batch:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("deadline review failed; retrying")
            await asyncio.sleep(self._poll_seconds)

    async def review(self) -> Pass:
        """Review one batch of clocks in one transaction."""
        now = self._clock()
        sent = 0
        async with self._pool().acquire() as connection, connection.transaction():
            rows = await store.clocks_to_review(connection, now, self._batch)
            for row in rows:
                sent += await self._review_one(connection, row, now)
        return Pass(len(rows), sent)

    async def _review_one(self, connection: asyncpg.Connection, row: asyncpg.Record, now: datetime) -> int:
        clock = TaskClock(
            assigned_at=row["assigned_at"],
            assigned_due_at=row["assigned_due_at"],
            due_at=row["due_at"],
            running=row["completed_at"] is None and row["status"] != TaskStatus.WAITING,
        )
        review = self._policy.review(clock, store.sent_kinds(row), now)
        sent = 0
        for mark in review.send:
            if not await store.record_mark(connection, row["task_id"], mark, clock.due_at):
                continue
            event = TaskDeadlineReached(
                dossier_id=row["dossier_id"],
                dossier_code=row["dossier_code"],
                task_id=row["task_id"],
                unit_code=row["unit_code"],
                kind=mark.kind,
                assigned_at=clock.assigned_at,
                due_at=clock.due_at,
                reached_at=mark.at,
            )
            await outbox.enqueue(connection, event, source=SOURCE, prefix=self._prefix)
            sent += 1
        await store.reviewed(connection, row["task_id"], review.next_at)
        return sent
