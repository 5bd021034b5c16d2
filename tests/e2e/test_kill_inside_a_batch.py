"""``kill -9`` of routing while it works off a backlog in shared transactions repeats nothing and loses nothing.

The four services run on a broker and a database of this test's own. Routing is stopped while births are
filed, so its submissions pile up on Kafka; started again, its consumers apply them in shared PostgreSQL
transactions (``shared/kernel/consumer_transactions.py``) — and routing is killed with SIGKILL while it
does, twice, each time once it has applied part of the backlog and the moment PostgreSQL shows one of its
transactions open, so the kill lands inside a transaction and among offsets recorded but not committed.
Started a third time it finishes. Then every dossier is once in its
unit's inbox, each applicant was told once that it was received and once that it is being processed, and
nothing was dead-lettered.
"""

import asyncio
import time
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from standins.process import StandinServers

from shared.kernel.settings import CommonSettings
from tests.support import clerks
from tests.support.broker_load import FIRST_MESSAGES, Applicants, Inbox, OwnStack, dead_letters, own_stack
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, with_required_documents
from tests.support.waiting import eventually

BACKLOG = 150
KILLS = 2
APPLIED_BETWEEN_KILLS = 25
"""Submissions routing applies after each start before it is killed (of the backlog's ``BACKLOG``)."""


@pytest.fixture(scope="module")
async def own(
    settings: CommonSettings, standins: StandinServers, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[OwnStack]:
    async with own_stack(settings, standins, tmp_path_factory.mktemp("batchkill"), "batchkill") as stack:
        yield stack


async def _routing_applied(database: asyncpg.Connection) -> int:
    """Submissions routing has applied (committed): its dossiers."""
    return int(await database.fetchval("SELECT count(*) FROM routing.dossiers"))


async def _open_transactions(database: asyncpg.Connection) -> int:
    """Routing's transactions that have written and not committed yet, right now.

    Read from ``pg_locks`` (a transaction that wrote holds the lock of its own id): ``pg_stat_activity``
    hides other roles' transaction times from a role that is not a superuser.
    """
    return int(
        await database.fetchval(
            "SELECT count(DISTINCT l.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE a.usename = 'lienthong_routing' AND l.locktype = 'transactionid'"
        )
    )


async def _until_a_transaction_is_open(database: asyncpg.Connection, seconds: float = 10.0) -> int:
    """Routing's open transactions as soon as there is one (0 if none was seen within ``seconds``)."""
    deadline = time.monotonic() + seconds
    while (found := await _open_transactions(database)) == 0 and time.monotonic() < deadline:
        continue  # each query is a round trip: the loop yields to routing's work on every turn
    return found


async def test_routing_killed_twice_inside_its_backlog_applies_each_dossier_once(own: OwnStack) -> None:
    services = own.services
    intake, department, notification = (services.url(name) for name in ("intake", "department", "notification"))
    database = await asyncpg.connect(own.settings.database_url)
    async with httpx.AsyncClient(headers=clerks.harness_headers(), timeout=30) as http:
        await asyncio.to_thread(services.stop, ["routing"])
        dossier = await with_required_documents(http, intake, BIRTH_IN_QUYNH_LUU)
        answers = await asyncio.gather(*(http.post(f"{intake}/v1/dossiers", json=dossier) for _ in range(BACKLOG)))
        assert {a.status_code for a in answers} == {202}, [a.text for a in answers if a.status_code != 202][:3]
        codes = {a.json()["code"] for a in answers}

        kills = []
        for _ in range(KILLS):
            before = await _routing_applied(database)
            await asyncio.to_thread(services.start, ["routing"])

            async def progressed(floor: int = before) -> bool | None:
                return True if await _routing_applied(database) >= floor + APPLIED_BETWEEN_KILLS else None

            await eventually(progressed, timeout=90, what="routing applying its backlog")
            open_now = await _until_a_transaction_is_open(database)
            await asyncio.to_thread(services.kill, "routing")
            kills.append((await _routing_applied(database), open_now))
        started = time.monotonic()
        await asyncio.to_thread(services.start, ["routing"])
        await asyncio.to_thread(services.wait_ready, ["routing"])

        inbox = Inbox(http, department)

        async def all_in_the_inbox() -> bool | None:
            await inbox.read()
            return await inbox.holding(codes)

        await eventually(all_in_the_inbox, timeout=120, what="every dossier in the inbox")
        finished = time.monotonic() - started
        applicants = Applicants(http, intake, notification)
        await eventually(lambda: applicants.told(codes), timeout=60, what="every applicant's first messages")
        dead_deliveries = (await http.get(f"{notification}/v1/deliveries/dead-lettered")).json()
    applied = await _routing_applied(database)
    await database.close()
    print(  # figures for the report, not assertions on speed
        f"\n{BACKLOG} dossiers; routing killed at (applied, open transactions) {kills};"
        f" the rest in the inbox {finished:.1f} s after the last start"
    )
    assert any(open_now for _, open_now in kills), "no kill landed while routing had a transaction open"
    assert applied == BACKLOG
    assert {code: inbox.tasks[code] for code in codes if inbox.tasks[code] != 1} == {}, "a task each"
    assert {code: m for code, m in applicants.messages.items() if m != FIRST_MESSAGES} == {}
    dead = await dead_letters(own.settings)
    assert dead == dict.fromkeys(dead, 0)
    assert dead_deliveries == []
