"""The deadline scheduler's pass: reviews due clocks, records each mark with its event."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

import asyncpg

from services.department.deadlines import store
from services.department.deadlines.announcement import announce_mark
from services.department.deadlines.marks import DeadlinePolicy, TaskClock
from services.department.domain.claims import holder
from services.department.domain.task import TaskStatus
from shared.contracts import TaskDeadlineReached
from shared.kernel.unit_of_work import UnitOfWork


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
        transaction: Callable[[], AbstractAsyncContextManager[UnitOfWork[asyncpg.Connection]]],
        policy: DeadlinePolicy,
        *,
        batch: int,
    ):
        self._transaction = transaction
        self._policy = policy
        self.batch = batch

    async def review(self) -> Pass:
        """Review one batch of clocks in one transaction."""
        sent = 0
        async with self._transaction() as uow:
            rows = await store.clocks_to_review(uow.store, uow.now, self.batch)
            for row in rows:
                sent += await self._review_one(uow, row)
        return Pass(len(rows), sent)

    async def reviewed(self, _connection: object = None) -> int:
        """One review as a polling worker's pass: how many clocks it reviewed."""
        return (await self.review()).reviewed

    async def _review_one(self, uow: UnitOfWork[asyncpg.Connection], row: asyncpg.Record) -> int:
        connection, now = uow.store, uow.now
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
                claimed_by=holder(row["claimed_by"], row["claim_expires_at"], now),
            )
            await uow.outbox.add(event)
            await announce_mark(connection, row, mark, now)
            sent += 1
        await store.reviewed(connection, row["task_id"], review.next_at)
        return sent
