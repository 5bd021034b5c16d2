"""Intake's requests on PostgreSQL: reads on a pooled connection, changes answered once per Idempotency-Key."""

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg

from services.intake.store import Change, IntakeStore, Request
from shared.kernel.idempotency import StoredAnswer, answer_once, stored_answer
from shared.kernel.journal import head_hash
from shared.kernel.unit_of_work import Transactions


@dataclass(frozen=True)
class PostgresIntakeDatabase:
    """:class:`~services.intake.store.IntakeDatabase` on the service's pool and units of work."""

    transactions: Transactions[IntakeStore]

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[IntakeStore]:
        async with self.transactions.pool().acquire() as connection:
            yield self.transactions.store(connection)

    async def replayed(self, request: Request) -> StoredAnswer | None:
        if not request.key:
            return None
        async with self.transactions.pool().acquire() as connection:
            return await stored_answer(connection, request.client_id, request.key, request.fingerprint)

    async def answer_once(self, request: Request, change: Change) -> StoredAnswer:
        async def action(connection: asyncpg.Connection) -> StoredAnswer:
            return await change(self.transactions.on(connection))

        pool = self.transactions.pool()
        return await answer_once(pool, request.client_id, request.key, request.fingerprint, action)

    async def journal_head(self, code: str) -> str | None:
        async with self.transactions.pool().acquire() as connection:
            return await head_hash(connection, code)
