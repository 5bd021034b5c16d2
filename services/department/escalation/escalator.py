"""The escalator's pass: takes the due steps of overdue tasks, each with its event, history entry and journal entry."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.department.deadlines.announcement import announce
from services.department.deadlines.office_time import OfficeTime
from services.department.domain.claims import holder
from services.department.domain.task import TaskStatus
from services.department.escalation import store
from services.department.escalation.timing import DueStep, look
from shared.contracts import TaskEscalated
from shared.kernel.auth.callers import province_of
from shared.kernel.journal import SYSTEM
from shared.kernel.unit_of_work import UnitOfWork
from shared.reference.escalation import EscalationLadders

ESCALATED = "escalated"
"""The history action of a step: it shows on the unit's change feed."""
ESCALATION = "escalation"
"""The actor named in the history for a step."""


@dataclass(frozen=True)
class Pass:
    """What one look did."""

    looked_at: int
    taken: int


class Escalator:
    """Takes each step of each overdue task's ladder once, from any number of instances.

    Each look is one transaction: the clocks it locks (others skip them), the step rows (a primary
    key per task and step), the history and journal entries and the outbox rows commit together,
    so a crash takes nothing and the next look, here or in another instance, takes it once.
    """

    def __init__(
        self,
        transaction: Callable[[], AbstractAsyncContextManager[UnitOfWork[asyncpg.Connection]]],
        office: OfficeTime,
        ladders: EscalationLadders,
        *,
        batch: int,
    ):
        self._transaction = transaction
        self._office = office
        self._ladders = ladders
        self.batch = batch

    async def look(self) -> Pass:
        """Look at one batch of due clocks in one transaction."""
        taken = 0
        async with self._transaction() as uow:
            rows = await store.clocks_due(uow.store, uow.now, self.batch)
            for row in rows:
                taken += await self._look_at(uow, row)
        return Pass(len(rows), taken)

    async def looked_at(self, _connection: object = None) -> int:
        """One look as a polling worker's pass: how many clocks it looked at."""
        return (await self.look()).looked_at

    async def _look_at(self, uow: UnitOfWork[asyncpg.Connection], row: asyncpg.Record) -> int:
        now = uow.now
        due_at = row["due_at"]
        escalating = (
            row["completed_at"] is None and row["status"] != TaskStatus.WAITING and due_at is not None and now > due_at
        )
        ladder = self._ladders.ladder_for(province_of(row["dossier_code"]) or "")
        found = look(
            self._office,
            ladder,
            overdue_at=row["overdue_at"],
            next_step=row["next_step"],
            escalating=escalating,
            now=now,
        )
        taken, next_step = 0, row["next_step"]
        for due in found.take:
            taken += await self._take(uow, row, due)
            next_step = due.step.step + 1
        await store.looked(uow.store, row["task_id"], next_step, found.next_at)
        return taken

    async def _take(self, uow: UnitOfWork[asyncpg.Connection], row: asyncpg.Record, due: DueStep) -> int:
        connection, now, step = uow.store, uow.now, due.step
        recorded = await store.record_step(
            connection,
            row["task_id"],
            step=step.step,
            audience=step.audience.value,
            ladder_version=self._ladders.version,
            due_at=row["due_at"],
            falls_at=due.at,
            now=now,
        )
        if not recorded:
            return 0
        escalated = TaskEscalated(
            dossier_id=row["dossier_id"],
            dossier_code=row["dossier_code"],
            task_id=row["task_id"],
            unit_code=row["unit_code"],
            step=step.step,
            audience=step.audience.value,
            ladder_version=self._ladders.version,
            due_at=row["due_at"],
            overdue_at=row["overdue_at"],
            escalated_at=now,
            claimed_by=holder(row["claimed_by"], row["claim_expires_at"], now),
        )
        event_id = await uow.outbox.add(escalated)
        detail: dict[str, object] = {"step": step.step, "audience": step.audience.value, "falls_at": _iso(due.at)}
        await announce(connection, row, ESCALATED, ESCALATION, detail, now)
        journalled = {
            "task_id": str(row["task_id"]),
            "unit_code": row["unit_code"],
            "ladder_version": self._ladders.version,
            "event_id": str(event_id),
            **detail,
        }
        await uow.journal.append(row["dossier_code"], f"task {ESCALATED}", SYSTEM, journalled)
        return 1


def _iso(moment: datetime) -> str:
    return moment.isoformat()
