"""One broker of a 3-broker cluster killed under load: 0 lost, 0 doubled, no dead letter, no operator; it catches up.

The four services run as processes against a replicated cluster of this test's own
(``deploy/local/kafka.sh`` with ``LIENTHONG_KAFKA_BROKERS=3`` in a temporary folder on free ports,
see :mod:`tests.support.own_kafka`), never the broker other tests share. The topics have three
replicas and ``min.insync.replicas=2``, and the services' idempotent producers wait for
``acks=all``. Births are POSTed steadily while the broker leading the most partitions of the
stack's streams is killed with SIGKILL, stays away, and is started again. Nothing else is done:
no restart of a service, no replay, no operator command.

The services bootstrap from every broker (``LIENTHONG_KAFKA_BOOTSTRAP_SERVERS`` a comma list).
"""

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from aiokafka.errors import KafkaError
from standins.process import StandinServers

from shared.contracts import STREAMS
from shared.kernel.settings import CommonSettings
from tests.support.broker_load import OwnStack, log_sizes, own_stack, recovery_log_lines, under_load
from tests.support.own_kafka import Partition, partitions
from tests.support.waiting import eventually

BROKERS = 3
SUBMISSIONS_PER_SECOND = 3.0
BEFORE_SECONDS = 5.0
DOWN_SECONDS = 20.0
"""Longer than the controller takes to fence a silent broker (broker.session.timeout.ms, 9 s) and move its leaders."""
AFTER_SECONDS = 5.0


@pytest.fixture(scope="module")
async def own(
    settings: CommonSettings, standins: StandinServers, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[OwnStack]:
    """The services on a cluster of this test's own (bootstrapping from every broker), with a database of their
    own beside the run's."""
    directory = tmp_path_factory.mktemp("cluster")
    async with own_stack(settings, standins, directory, "cluster", BROKERS) as stack:
        yield stack


class Replicas:
    """The partitions of the stack's streams and of the groups' offsets, as the cluster's metadata has them."""

    def __init__(self, settings: CommonSettings) -> None:
        self.settings = settings
        self.topics = [settings.topic_prefix + stream.topic for stream in STREAMS] + ["__consumer_offsets"]
        self.last: list[Partition] = []

    async def read(self) -> list[Partition] | None:
        """Now's partitions; None while the cluster does not answer (a broker just went away)."""
        try:
            self.last = await partitions(self.settings, self.topics)
        except (KafkaError, OSError, TimeoutError):
            return None
        return self.last

    async def without(self, broker: int) -> bool | None:
        """True once every partition has a leader other than ``broker``, which is in no in-sync replica set."""
        if (now := await self.read()) is None:
            return None
        return all(p.leader not in (broker, -1) and broker not in p.isr for p in now) or None

    async def all_in_sync(self) -> bool | None:
        """True once every replica of every partition is in sync."""
        if (now := await self.read()) is None:
            return None
        return all(len(p.isr) == len(p.replicas) == BROKERS for p in now) or None


def _spread(values: list[float]) -> str:
    if not values:
        return "none"
    return f"{min(values):.1f}/{statistics.median(values):.1f}/{max(values):.1f} s"


async def test_a_broker_killed_under_load_loses_and_doubles_nothing_and_catches_up_when_back(own: OwnStack) -> None:
    replicas = Replicas(own.settings)
    assert await eventually(replicas.all_in_sync, what="every replica in sync before the kill")
    streams = [p for p in replicas.last if p.topic != "__consumer_offsets"]
    assert {len(p.replicas) for p in streams} == {BROKERS}, "three replicas of every partition"
    victim, led = Counter(p.leader for p in streams).most_common(1)[0]
    assert led >= 1, "the broker to kill leads partitions of the stack's streams"
    logs = log_sizes(own.services)
    killed_at = moved_at = starting_at = caught_up_at = back_at = 0.0

    async def kill_one_broker() -> None:
        nonlocal killed_at, moved_at, starting_at, caught_up_at, back_at
        await asyncio.to_thread(own.kafka.kill, node=victim)
        killed_at = time.monotonic()
        await eventually(lambda: replicas.without(victim), timeout=DOWN_SECONDS, what="leaders moved off it")
        moved_at = time.monotonic()
        await asyncio.sleep(max(0.0, killed_at + DOWN_SECONDS - time.monotonic()))
        starting_at = time.monotonic()
        starting = asyncio.create_task(asyncio.to_thread(own.kafka.start))
        await eventually(replicas.all_in_sync, timeout=90, what="the broker back in every in-sync replica set")
        caught_up_at = time.monotonic()
        await starting
        back_at = time.monotonic()
        await asyncio.sleep(AFTER_SECONDS)

    run = await under_load(
        own, kill_one_broker, per_second=SUBMISSIONS_PER_SECOND, before_seconds=BEFORE_SECONDS, inbox_timeout=60
    )

    def latencies(start: float, end: float) -> list[float]:
        return [run.inbox.seen_at[s.code] - s.sent_at for s in run.submissions if s.code and start <= s.sent_at < end]

    during = [s for s in run.submissions if killed_at <= s.sent_at < back_at]
    print(  # figures for the report, not assertions on speed
        f"\nbroker {victim} (leading {led} of {len(streams)} stream partitions) killed:"
        f" leaders moved and in-sync sets shrunk {moved_at - killed_at:.1f} s after the kill; down"
        f" {starting_at - killed_at:.1f} s; once started again, back in every in-sync set after"
        f" {caught_up_at - starting_at:.1f} s, kafka.sh start done (every node answering)"
        f" after {back_at - starting_at:.1f} s;"
        f" {len(run.submissions)} submissions, {len(during)} while it was down or starting,"
        f" answered {dict(Counter(s.status for s in run.submissions))};"
        f" POST to inbox min/median/max: before {_spread(latencies(0, killed_at))},"
        f" until the leaders moved {_spread(latencies(killed_at, moved_at))},"
        f" then while down {_spread(latencies(moved_at, back_at))},"
        f" after {_spread(latencies(back_at, time.monotonic()))};"
        f" {recovery_log_lines(own.services, logs)}"
    )
    assert during, "submissions were made while the broker was down"
    run.assert_each_dossier_once()
