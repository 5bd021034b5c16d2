"""The polling worker on the real PostgreSQL: woken by NOTIFY, one exclusive instance, handed over when it dies."""

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.kernel.polling import PollingWorker, WakeUp
from shared.kernel.settings import CommonSettings
from tests.support.waiting import eventually

CHANNEL = "lienthong_it_polling"


class Counting:
    """A pass that records the moments it ran and on which connection."""

    def __init__(self) -> None:
        self.runs: list[float] = []
        self.connections: set[int] = set()

    async def __call__(self, connection: asyncpg.Connection | None) -> int:
        assert connection is not None
        self.runs.append(time.monotonic())
        self.connections.add(id(connection))
        return 0


@contextlib.asynccontextmanager
async def running(worker: PollingWorker) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(worker.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.fixture
def lock_name() -> str:
    return f"it-polling:{uuid.uuid4().hex[:8]}"


async def test_a_notify_wakes_the_worker_long_before_its_poll(settings: CommonSettings) -> None:
    passes = Counting()
    worker = PollingWorker("w", passes, batch=10, poll_seconds=30, wake=WakeUp(settings.database_url, CHANNEL, "mine"))
    async with running(worker):
        await eventually(lambda: _ran(passes, 1), timeout=10, what="the first pass")
        connection = await asyncpg.connect(settings.database_url)
        try:
            await connection.execute("SELECT pg_notify($1, 'theirs')", CHANNEL)
            await asyncio.sleep(0.3)
            assert len(passes.runs) == 1, "a notification with another payload is not for this worker"
            notified = time.monotonic()
            await connection.execute("SELECT pg_notify($1, 'mine')", CHANNEL)
            await eventually(lambda: _ran(passes, 2), timeout=5, what="the pass after the notification")
        finally:
            await connection.close()

    assert passes.runs[1] - notified < 2.0


async def test_one_exclusive_instance_runs_and_the_other_takes_over_when_it_stops(
    settings: CommonSettings, lock_name: str
) -> None:
    first, second = Counting(), Counting()

    def worker(passes: Counting) -> PollingWorker:
        wake = WakeUp(settings.database_url, CHANNEL)
        return PollingWorker("relay", passes, batch=10, poll_seconds=0.1, wake=wake, exclusive=lock_name)

    async with running(worker(first)) as holder:
        await eventually(lambda: _ran(first, 3), timeout=10, what="the first instance's passes")
        async with running(worker(second)):
            await asyncio.sleep(1.0)
            assert second.runs == [], "the second instance stands by while the first holds the lock"
            holder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await holder
            stopped = time.monotonic()
            await eventually(lambda: _ran(second, 1), timeout=10, what="the second instance taking over")

    handed_over = second.runs[0] - stopped
    assert handed_over < 1.0, f"handed over in {handed_over:.2f} s with a 0.1 s poll"


async def _ran(passes: Counting, times: int) -> bool:
    return len(passes.runs) >= times
