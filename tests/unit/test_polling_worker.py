"""The one polling worker (shared.kernel.polling): passes, waits, backoff after failures, metrics.

These run the worker without a database; tests/integration/test_polling_worker.py runs its
wake-up and exclusive lock on the real PostgreSQL.
"""

import asyncio
import contextlib

import pytest
from prometheus_client import CollectorRegistry

from shared.kernel.polling import PollingWorker, WorkerMetrics
from shared.kernel.retry import RetryPolicy


class Passes:
    """A pass that takes what a script says, failing where it says so."""

    def __init__(self, *script: int | Exception) -> None:
        self.script = list(script)
        self.calls = 0
        self.done = asyncio.Event()

    async def __call__(self, _connection: object) -> int:
        self.calls += 1
        if not self.script:
            self.done.set()
            return 0
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step


async def _run_until_done(worker: PollingWorker, passes: Passes, timeout: float = 2.0) -> None:
    task = asyncio.create_task(worker.run())
    try:
        await asyncio.wait_for(passes.done.wait(), timeout)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_full_batches_run_back_to_back_and_a_short_one_waits_for_the_poll() -> None:
    passes = Passes(10, 10, 3)
    worker = PollingWorker("w", passes, batch=10, poll_seconds=60)
    task = asyncio.create_task(worker.run())
    try:
        await asyncio.sleep(0.05)
        assert passes.calls == 3, "two full batches and the short one, then it waits"
        worker.wake()
        await asyncio.wait_for(passes.done.wait(), 1)
        assert passes.calls == 4, "a wake-up runs the next pass at once"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_failed_passes_wait_by_the_retry_policy_and_the_loop_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def recorded_sleep(seconds: float) -> None:
        waits.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(asyncio, "sleep", recorded_sleep)  # the worker's waits; nothing else sleeps here
    passes = Passes(ConnectionError("database down"), ConnectionError("database down"), 1)
    retry = RetryPolicy(base_seconds=1.0, cap_seconds=8.0)
    worker = PollingWorker("w", passes, batch=10, poll_seconds=0.01, retry=retry)

    await _run_until_done(worker, passes)

    assert len(waits) == 2
    assert 0.5 <= waits[0] <= 1.0
    assert 1.0 <= waits[1] <= 2.0
    assert worker.failures == 0, "a pass that worked resets the count"


async def test_metrics_count_passes_by_result_and_items_taken() -> None:
    registry = CollectorRegistry()
    passes = Passes(4, ValueError("bad row"), 2)
    worker = PollingWorker(
        "relay", passes, batch=10, poll_seconds=0.001, retry=RetryPolicy(0.001, 0.001), metrics=WorkerMetrics(registry)
    )

    await _run_until_done(worker, passes)

    def value(name: str, **labels: str) -> float:
        return registry.get_sample_value(name, {"worker": "relay", **labels}) or 0.0

    assert value("lienthong_worker_items_total") == 6
    assert value("lienthong_worker_passes_total", result="failed") == 1
    assert value("lienthong_worker_passes_total", result="work") == 2
    assert value("lienthong_worker_passes_total", result="idle") >= 1


def test_an_exclusive_worker_needs_its_own_connection() -> None:
    with pytest.raises(ValueError, match="give wake too"):
        PollingWorker("relay", Passes(), batch=1, poll_seconds=1, exclusive="relay:intake")


async def test_on_stop_runs_when_the_worker_is_cancelled() -> None:
    stopped: list[str] = []

    async def stop() -> None:
        stopped.append("closed")

    passes = Passes()
    worker = PollingWorker("w", passes, batch=1, poll_seconds=60, on_stop=stop)
    await _run_until_done(worker, passes)

    assert stopped == ["closed"]
