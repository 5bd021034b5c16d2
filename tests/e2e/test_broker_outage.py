"""A Kafka outage of 30 s under load heals by itself: 0 dead letters, 0 stalled dossiers, 0 operator actions.

The four services run as processes against a broker of this test's own (``deploy/local/kafka.sh``
in a temporary folder on free ports, see :mod:`tests.support.own_kafka`), never the one other
tests share, and against a database of their own on the shared PostgreSQL. Dossiers are
submitted steadily over HTTP while the broker goes away (killed with SIGKILL, or shut down by
``kafka.sh stop``), stays away for 30 s and is started again. Nothing else is done to the
services: no restart, no replay, no operator command.

The shutdown is the harder case for the producers: a broker shutting down tells them its
partitions have no leader, and a batch the idempotent producer had already numbered expires
once it has waited for one longer than aiokafka's request timeout (40 s), leaving a gap in the
producer's sequence that the broker refuses for ever after (see
:func:`shared.kernel.messaging.resynchronise`). That outage lasts 45 s, so that it does.
"""

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from standins.process import StandinServers

from shared.kernel.settings import CommonSettings
from tests.support.broker_load import OwnStack, log_sizes, own_stack, recovery_log_lines, under_load

CRASH_SECONDS = 30.0
SHUTDOWN_SECONDS = 45.0
"""Longer than the producers' request timeout (40 s), after which a batch waiting for a leader expires."""
SUBMISSIONS_PER_SECOND = 3.0
BEFORE_SECONDS = 5.0
AFTER_SECONDS = 5.0


@pytest.fixture(scope="module")
async def own(
    settings: CommonSettings, standins: StandinServers, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[OwnStack]:
    """The services on a broker of this test's own, with a database of their own beside the run's."""
    async with own_stack(settings, standins, tmp_path_factory.mktemp("broker"), "broker") as stack:
        yield stack


@pytest.mark.parametrize(
    ("fault", "outage"),
    [("kill", CRASH_SECONDS), ("stop", SHUTDOWN_SECONDS)],
    ids=["crash (kill -9) for 30 s", "shutdown (kafka.sh stop) for 45 s"],
)
async def test_a_kafka_outage_under_load_leaves_no_dossier_stalled_and_no_dead_letter(
    fault: str, outage: float, own: OwnStack
) -> None:
    kafka = own.kafka
    logs = log_sizes(own.services)
    down_at = starting_at = back_at = 0.0
    back_clock = datetime.now(UTC)

    async def take_kafka_away() -> None:
        nonlocal down_at, starting_at, back_at, back_clock
        await asyncio.to_thread(getattr(kafka, fault))
        down_at = time.monotonic()
        await asyncio.sleep(outage)
        starting_at = time.monotonic()
        await asyncio.to_thread(kafka.start)
        back_at, back_clock = time.monotonic(), datetime.now(UTC)
        await asyncio.sleep(AFTER_SECONDS)

    run = await under_load(
        own, take_kafka_away, per_second=SUBMISSIONS_PER_SECOND, before_seconds=BEFORE_SECONDS, inbox_timeout=90
    )

    during = [s for s in run.submissions if down_at <= s.sent_at < back_at]
    during_codes = {s.code for s in during if s.code}
    arrivals = [run.inbox.seen_at[code] - back_at for code in during_codes]
    planned = [(run.applicants.planned_at[code] - back_clock).total_seconds() for code in during_codes]
    last = max(run.inbox.seen_at[code] for code in run.accepted) - back_at
    print(  # figures for the report, not assertions on speed
        f"\nbroker down {starting_at - down_at:.1f} s (+{back_at - starting_at:.1f} s to start and be ready);"
        f" {len(run.submissions)} submissions, {len(during)} while it was down or starting,"
        f" answered {dict(Counter(s.status for s in run.submissions))};"
        f" after it was back, the outage's dossiers reached the inbox in {min(arrivals, default=0):.1f}"
        f"-{max(arrivals, default=0):.1f} s, the applicants' messages planned by {max(planned, default=0):.1f} s;"
        f" the last dossier of the test reached the inbox {last:.1f} s after;"
        f" {recovery_log_lines(own.services, logs)}"
    )
    assert during, "submissions were made while the broker was down"
    run.assert_each_dossier_once()
    assert all(run.inbox.seen_at[s.code] > starting_at for s in during if s.code), "none went through without Kafka"
