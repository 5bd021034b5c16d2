"""A PostgreSQL outage of 30 s under load heals by itself: 0 dead letters, 0 stalled dossiers, 0 operator actions.

The four services run as processes on a broker and a database of this test's own, and reach the
database through a TCP proxy the test cuts (every open connection reset, new ones refused) for 30 s
and restores: to the services that is PostgreSQL going away and coming back, while the server other
tests share keeps running. Dossiers are submitted steadily over HTTP meanwhile. Consumers hold
shared transactions while their partitions have a backlog, so the cut lands in the middle of some.
While the database is away intake answers 503 with ``Retry-After`` (a problem document), never 500;
nothing else is done to the services: no restart, no replay, no operator command.
"""

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from standins.process import StandinServers

from shared.kernel.settings import CommonSettings
from tests.support.broker_load import OwnStack, log_sizes, own_stack, recovery_log_lines, under_load
from tests.support.tcp_proxy import CuttableProxy, through

OUTAGE_SECONDS = 30.0
SUBMISSIONS_PER_SECOND = 3.0
BEFORE_SECONDS = 5.0
AFTER_SECONDS = 5.0


@pytest.fixture(scope="module")
async def proxy(settings: CommonSettings) -> AsyncIterator[CuttableProxy]:
    server = urlsplit(settings.database_url)
    proxy = CuttableProxy(server.hostname or "127.0.0.1", server.port or 5432)
    await proxy.open()
    yield proxy
    await proxy.close()


@pytest.fixture(scope="module")
async def own(
    settings: CommonSettings,
    standins: StandinServers,
    proxy: CuttableProxy,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[OwnStack]:
    """The services on a broker of this test's own, with a database of their own reached through ``proxy``."""
    async with own_stack(
        settings,
        standins,
        tmp_path_factory.mktemp("database"),
        "pgout",
        database_via=lambda url: through(url, proxy.port),
    ) as stack:
        yield stack


async def test_a_database_outage_under_load_leaves_no_dossier_stalled_and_no_dead_letter(
    own: OwnStack, proxy: CuttableProxy
) -> None:
    logs = log_sizes(own.services)
    down_at = back_at = 0.0

    async def take_the_database_away() -> None:
        nonlocal down_at, back_at
        await proxy.cut()
        down_at = time.monotonic()
        await asyncio.sleep(OUTAGE_SECONDS)
        await proxy.open()
        back_at = time.monotonic()
        await asyncio.sleep(AFTER_SECONDS)

    run = await under_load(
        own,
        take_the_database_away,
        per_second=SUBMISSIONS_PER_SECOND,
        before_seconds=BEFORE_SECONDS,
        inbox_timeout=90,
    )

    during = [s for s in run.submissions if down_at <= s.sent_at < back_at]
    answers = Counter(s.status for s in run.submissions)
    last = max(run.inbox.seen_at[code] for code in run.accepted) - back_at
    print(  # figures for the report, not assertions on speed
        f"\ndatabase away {back_at - down_at:.1f} s; {len(run.submissions)} submissions, {len(during)} during it,"
        f" answered {dict(answers)}; the last dossier reached the inbox {last:.1f} s after it was back;"
        f" {recovery_log_lines(own.services, logs)}"
    )
    assert during, "submissions were made while the database was away"
    assert any(s.status == 503 for s in during), "intake noticed the outage"
    run.assert_each_dossier_once(answers=frozenset({202, 503}))  # 503: refused with Retry-After, nothing stored
