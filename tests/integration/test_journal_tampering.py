"""The journal on the real PostgreSQL: appended with the state change, append-only, and every tampering found.

The tampering tests act as an attacker with the table owner's rights would: they disable the
append-only trigger inside their own transaction, edit, delete or reorder rows, and put the
trigger back. Verification reads the rows back as the journal API serves them.
"""

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from shared.contracts import JournalDaySealed
from shared.kernel.db import create_pool
from shared.kernel.journal import GENESIS, TransactionalJournal, chain_entries, head_hash
from shared.kernel.journal_chain import (
    CONTENT_CHANGED,
    ENTRIES_REORDERED,
    ENTRY_REMOVED,
    Break,
    verify_chain,
    verify_seal,
)
from shared.kernel.journal_seals import ZONE, days_to_seal, seal_day, seals
from shared.kernel.migrations import migrate
from shared.kernel.settings import CommonSettings

SCHEMA = "it_journal"
CODE = "000.01.15.H40-261202-0001"


@pytest.fixture(scope="module")
async def pool(settings: CommonSettings, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[asyncpg.Pool]:
    """A schema with the kernel's tables only (the journal among them)."""
    await migrate(settings.database_url, SCHEMA, Path(tmp_path_factory.mktemp("no_service_sql")))
    pool = await create_pool(settings.database_url, SCHEMA)
    yield pool
    await pool.close()


async def _append(pool: asyncpg.Pool, chain: str, count: int) -> None:
    for i in range(count):
        async with pool.acquire() as connection, connection.transaction():
            await TransactionalJournal(connection).append(chain, f"step-{i + 1}", "clerk:c1", {"step": i + 1})


async def _tamper(pool: asyncpg.Pool, *statements: str) -> None:
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute("ALTER TABLE journal DISABLE TRIGGER journal_append_only")
        for statement in statements:
            await connection.execute(statement)
        await connection.execute("ALTER TABLE journal ENABLE TRIGGER journal_append_only")


async def _verify(pool: asyncpg.Pool, chain: str) -> Break | None:
    async with pool.acquire() as connection:
        return verify_chain(await chain_entries(connection, chain))


def _where(found: Break | None) -> tuple[int | None, str]:
    assert found is not None, "verification found nothing"
    return found.position, found.kind


async def test_concurrent_appends_to_one_chain_make_one_line(pool: asyncpg.Pool) -> None:
    chain = CODE + "-concurrent"

    await asyncio.gather(*(_append(pool, chain, 3) for _ in range(5)))

    async with pool.acquire() as connection:
        entries = await chain_entries(connection, chain)
        head = await head_hash(connection, chain)
    assert [e.position for e in entries] == list(range(1, 16))
    assert entries[0].previous_hash == GENESIS
    assert head == entries[-1].hash
    assert verify_chain(entries) is None


async def test_an_entry_is_written_only_if_its_transaction_commits(pool: asyncpg.Pool) -> None:
    chain = CODE + "-rolled-back"

    async def failing_use_case() -> None:
        async with pool.acquire() as connection, connection.transaction():
            await TransactionalJournal(connection).append(chain, "received", "client:counter")
            raise RuntimeError("the use case failed after appending")

    with pytest.raises(RuntimeError):
        await failing_use_case()

    async with pool.acquire() as connection:
        assert await head_hash(connection, chain) is None


async def test_the_journal_refuses_update_delete_and_truncate(pool: asyncpg.Pool) -> None:
    chain = CODE + "-append-only"
    await _append(pool, chain, 1)

    async with pool.acquire() as connection:
        for statement in (
            f"UPDATE journal SET actor = 'clerk:someone' WHERE chain = '{chain}'",
            f"DELETE FROM journal WHERE chain = '{chain}'",
            "TRUNCATE journal",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await connection.execute(statement)
    assert await _verify(pool, chain) is None


TAMPERINGS = {
    "an edited detail": (
        4,
        ["UPDATE journal SET details = '{\"step\": 30}' WHERE chain = $chain AND position = 3"],
        (3, CONTENT_CHANGED),
    ),
    "a backdated entry": (
        3,
        ["UPDATE journal SET recorded_at = recorded_at - interval '1 day' WHERE chain = $chain AND position = 2"],
        (2, CONTENT_CHANGED),
    ),
    "a deleted row": (5, ["DELETE FROM journal WHERE chain = $chain AND position = 2"], (2, ENTRY_REMOVED)),
    "a deleted row, the rest renumbered": (
        5,
        [
            "DELETE FROM journal WHERE chain = $chain AND position = 3",
            "UPDATE journal SET position = position - 1 WHERE chain = $chain AND position > 3",
        ],
        (3, ENTRY_REMOVED),
    ),
    "two rows swapped": (
        4,
        [
            "UPDATE journal SET position = position + 1000 WHERE chain = $chain AND position IN (2, 3)",
            "UPDATE journal SET position = 1005 - position WHERE chain = $chain AND position IN (1002, 1003)",
        ],
        (2, ENTRIES_REORDERED),
    ),
}


@pytest.mark.parametrize("tampering", list(TAMPERINGS))
async def test_tampering_with_rows_is_found_and_named(pool: asyncpg.Pool, tampering: str) -> None:
    length, statements, expected = TAMPERINGS[tampering]
    chain = f"{CODE}-{tampering}"
    await _append(pool, chain, length)
    assert await _verify(pool, chain) is None

    await _tamper(pool, *(s.replace("$chain", f"'{chain}'") for s in statements))

    assert _where(await _verify(pool, chain)) == expected


async def test_removing_a_chains_newest_entries_is_found_by_the_seal_of_their_day(pool: asyncpg.Pool) -> None:
    chain, day = CODE + "-truncated", date(2025, 1, 15)
    recorded = datetime(2025, 1, 15, 10, 0, tzinfo=ZONE)
    for i in range(3):
        async with pool.acquire() as connection, connection.transaction():
            await TransactionalJournal(connection, lambda: recorded).append(chain, f"step-{i + 1}", "system")
    async with pool.acquire() as connection, connection.transaction():
        assert await days_to_seal(connection, recorded) == []  # the day is not over
        sealed = await seal_day(connection, day, sealed_at=recorded + timedelta(days=1), service="intake", prefix="it.")
    async with pool.acquire() as connection:
        [seal] = await seals(connection, after=day - timedelta(days=1), limit=1)
        published = await connection.fetchrow("SELECT topic, key, payload FROM outbox ORDER BY id DESC LIMIT 1")
    assert sealed == seal
    # Published with the seal, for the board's daily root: the service's own stream, keyed by its name.
    assert (published["topic"], published["key"]) == ("it.intake.journal-seals.v1", "intake")
    assert JournalDaySealed.model_validate_json(published["payload"]).root == seal.root
    assert [(h.chain, h.position) for h in seal.heads] == [(chain, 3)]

    await _tamper(pool, f"DELETE FROM journal WHERE chain = '{chain}' AND position = 3")

    assert await _verify(pool, chain) is None  # the shorter chain holds on its own
    async with pool.acquire() as connection:
        rows = await connection.fetch("SELECT DISTINCT chain FROM journal")
        chains = {r["chain"]: await chain_entries(connection, r["chain"]) for r in rows}
    found = verify_seal(seal, chains)
    assert found is not None
    assert (found.chain, found.position, found.kind) == (chain, 3, ENTRY_REMOVED)
