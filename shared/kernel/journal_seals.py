"""Day seals: once a local day (Asia/Ho_Chi_Minh) is over, the root over every chain's head at its end.

A chain alone cannot show that its newest entries were removed; the seal of the day they were
recorded on can (:func:`~shared.kernel.journal_chain.verify_seal`). Sealing takes the journal's
seal lock exclusively, so it waits for every transaction appending (they hold it shared), and an
entry that was not committed before the seal is recorded after the day's end. Every service
seals its own journal with a :class:`~shared.kernel.polling.PollingWorker` the kernel runs, and
publishes each seal (``journal.day-sealed`` on ``<service>.journal-seals.v1``, through its outbox
in the seal's transaction) for the public board's daily root.
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from shared.contracts import JournalDaySealed
from shared.kernel import outbox
from shared.kernel.journal import SEAL_LOCK
from shared.kernel.journal_chain import Seal, SealedHead, day_root
from shared.kernel.polling import PollingWorker, WorkerMetrics
from shared.reference.calendar import OFFICE_TIMEZONE

ZONE = ZoneInfo(OFFICE_TIMEZONE)


def day_end(day: date, zone: ZoneInfo = ZONE) -> datetime:
    """The instant the local ``day`` ends."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


async def seal_day(
    connection: asyncpg.Connection, day: date, *, sealed_at: datetime, service: str, prefix: str
) -> Seal | None:
    """Seal ``day`` in the connection's transaction and publish it; None when it was sealed already."""
    await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1), hashtext(current_schema()))", SEAL_LOCK)
    if await connection.fetchval("SELECT 1 FROM journal_seals WHERE day = $1", day):
        return None
    until = day_end(day)
    heads = await connection.fetch(
        "SELECT DISTINCT ON (chain) chain, position, hash, recorded_at FROM journal"
        " WHERE recorded_at < $1 ORDER BY chain, position DESC",
        until,
    )
    start = day_end(day - timedelta(days=1))
    grew = tuple(SealedHead(h["chain"], h["position"], h["hash"]) for h in heads if h["recorded_at"] >= start)
    seal = Seal(
        day=day,
        until=until,
        root=day_root((h["chain"], h["hash"]) for h in heads),
        chains=len(heads),
        entries=sum(h["position"] for h in heads),  # a chain's head position is its length
        heads=grew,
    )
    await connection.execute(
        "INSERT INTO journal_seals (day, until, root, chains, entries, sealed_at) VALUES ($1, $2, $3, $4, $5, $6)",
        seal.day,
        seal.until,
        seal.root,
        seal.chains,
        seal.entries,
        sealed_at,
    )
    await connection.executemany(
        "INSERT INTO journal_seal_heads (day, chain, position, hash) VALUES ($1, $2, $3, $4)",
        [(day, h.chain, h.position, h.hash) for h in grew],
    )
    sealed = JournalDaySealed(
        service=service,
        day=day,
        until=until,
        root=seal.root,
        chains=seal.chains,
        entries=seal.entries,
        sealed_at=sealed_at,
    )
    await outbox.enqueue(connection, sealed, source=service, prefix=prefix)
    return seal


async def days_to_seal(connection: asyncpg.Connection, now: datetime) -> list[date]:
    """The closed days not sealed yet: after the last seal, else from the first entry's day (else yesterday)."""
    today = now.astimezone(ZONE).date()
    last = await connection.fetchval("SELECT max(day) FROM journal_seals")
    if last is not None:
        first = last + timedelta(days=1)
    else:
        oldest = await connection.fetchval("SELECT min(recorded_at) FROM journal")
        first = oldest.astimezone(ZONE).date() if oldest is not None else today - timedelta(days=1)
    return [first + timedelta(days=n) for n in range((today - first).days)]


async def seals(connection: asyncpg.Connection, *, after: date | None, limit: int) -> list[Seal]:
    """The seals after ``after`` (all when None), oldest first, with the heads each kept."""
    rows = await connection.fetch(
        "SELECT day, until, root, chains, entries FROM journal_seals"
        " WHERE $1::date IS NULL OR day > $1 ORDER BY day LIMIT $2",
        after,
        limit,
    )
    heads = await connection.fetch(
        "SELECT day, chain, position, hash FROM journal_seal_heads WHERE day = ANY($1::date[]) ORDER BY day, chain",
        [r["day"] for r in rows],
    )
    kept: dict[date, list[SealedHead]] = {}
    for h in heads:
        kept.setdefault(h["day"], []).append(SealedHead(h["chain"], h["position"], h["hash"]))
    return [Seal(**dict(r), heads=tuple(kept.get(r["day"], ()))) for r in rows]


def seal_worker(
    pool: Callable[[], asyncpg.Pool],
    service: str,
    clock: Callable[[], datetime],
    *,
    prefix: str,
    poll_seconds: float = 60.0,
    batch: int = 31,
    metrics: WorkerMetrics | None = None,
) -> PollingWorker:
    """Seals the service's closed days, up to ``batch`` a pass, each in its own transaction."""

    async def seal_closed_days(_connection: asyncpg.Connection | None) -> int:
        now = clock()
        async with pool().acquire() as connection:
            due = (await days_to_seal(connection, now))[:batch]
        sealed = 0
        for day in due:
            async with pool().acquire() as connection, connection.transaction():
                done = await seal_day(connection, day, sealed_at=now, service=service, prefix=prefix)
                sealed += done is not None
        return sealed

    return PollingWorker(
        f"{service}-journal-sealer", seal_closed_days, batch=batch, poll_seconds=poll_seconds, metrics=metrics
    )
