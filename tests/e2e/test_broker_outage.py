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
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from objectstore_keys import for_keepers
from stack import DEFAULT_PORTS, ServiceStack
from standins.ports import free_port
from standins.process import StandinServers

from shared.contracts import STREAMS, dead_letter_topic
from shared.kernel.kafka_connection import kafka_connection
from shared.kernel.settings import CommonSettings
from tests.support import clerks
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, with_required_documents
from tests.support.object_store import local_object_store_env
from tests.support.own_kafka import OwnKafka
from tests.support.waiting import eventually

CRASH_SECONDS = 30.0
SHUTDOWN_SECONDS = 45.0
"""Longer than the producers' request timeout (40 s), after which a batch waiting for a leader expires."""
SUBMISSIONS_PER_SECOND = 3.0
BEFORE_SECONDS = 5.0
AFTER_SECONDS = 5.0
UNIT = f"{BIRTH_IN_QUYNH_LUU['commune_code']}.VP"
"""Where a birth registration in Quỳnh Lưu is handled: the commune's office (a birth has no fee to pay first)."""
FIRST_MESSAGES = Counter({("receiving", "sms"): 1, ("processing", "sms"): 1})
"""What the applicant (a phone number only) is told until a clerk acts: received, then being processed."""


@dataclass(frozen=True)
class Submission:
    sent_at: float
    status: int | str
    """The HTTP status intake answered, or the client error's name when there was no answer."""
    code: str | None


@pytest.fixture(scope="module")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnKafka]:
    broker = OwnKafka(tmp_path_factory.mktemp("kafka"))
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="module")
async def database(settings: CommonSettings) -> AsyncIterator[str]:
    """A database of these services' own beside the run's, so they share no tables with the session's stack."""
    server, name = settings.database_url.rsplit("/", 1)
    admin = await asyncpg.connect(settings.database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}_broker"')
        yield f"{server}/{name}_broker"
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}_broker" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="module")
async def own_settings(kafka: OwnKafka, settings: CommonSettings) -> CommonSettings:
    """The run's settings on the test's own broker as its administrator, with the stack's topics and ACLs made."""
    admin = kafka.admin_settings(settings).model_copy(update={"topic_prefix": f"{settings.topic_prefix}broker."})
    await kafka.principals.provision(admin, admin.topic_prefix)
    return admin


@pytest.fixture(scope="module")
def services(
    kafka: OwnKafka,
    database: str,
    own_settings: CommonSettings,
    standins: StandinServers,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServiceStack]:
    run = tmp_path_factory.mktemp("broker-stack")
    env = {
        "LIENTHONG_DATABASE_URL": database,
        "LIENTHONG_TOPIC_PREFIX": own_settings.topic_prefix,
        "LIENTHONG_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap,
        **standins.service_env(),
        "LIENTHONG_JWKS_FILE": str(clerks.issuer().write_jwks(run / "jwks.json")),
        "LIENTHONG_JWT_ISSUER": clerks.issuer().issuer,
        "LIENTHONG_JWT_AUDIENCE": clerks.issuer().audience,
        "LIENTHONG_OUTBOX_POLL_SECONDS": "0.2",
        "LIENTHONG_DELIVERY_POLL_SECONDS": "0.2",
        "OTEL_TRACES_EXPORTER": "none",
    }
    stack = ServiceStack(
        run,
        env=env,
        ports={name: free_port() for name in DEFAULT_PORTS},
        # Each its own principal on the test's broker; intake and the department the object store up.sh started.
        service_env=for_keepers(kafka.principals.services_env(), local_object_store_env()),
    )
    stack.start()
    try:
        stack.wait_ready()
        yield stack
    finally:
        stack.stop()


async def _submit_steadily(http: httpx.AsyncClient, intake: str, until: asyncio.Event) -> list[Submission]:
    """POST a dossier every 1/SUBMISSIONS_PER_SECOND s until ``until`` is set, without waiting for the answers; each
    hands in the same papers, uploaded once before."""
    dossier = await with_required_documents(http, intake, BIRTH_IN_QUYNH_LUU)

    async def one(sent_at: float) -> Submission:
        try:
            response = await http.post(f"{intake}/v1/dossiers", json=dossier)
        except httpx.HTTPError as error:
            return Submission(sent_at, type(error).__name__, None)
        code = response.json().get("code") if response.status_code == 202 else None
        return Submission(sent_at, response.status_code, code)

    pending = []
    started = time.monotonic()
    while not until.is_set():
        pending.append(asyncio.create_task(one(time.monotonic())))
        next_at = started + len(pending) / SUBMISSIONS_PER_SECOND
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(until.wait(), max(0.0, next_at - time.monotonic()))
    return list(await asyncio.gather(*pending))


class Inbox:
    """The unit's work queue as its clerks read it, and when each dossier was first seen there."""

    def __init__(self, http: httpx.AsyncClient, department: str) -> None:
        self.http = http
        self.department = department
        self.seen_at: dict[str, float] = {}
        self.tasks: Counter[str] = Counter()

    async def read(self) -> None:
        tasks: Counter[str] = Counter()
        cursor = None
        while True:
            params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            response = await self.http.get(
                f"{self.department}/v1/units/{UNIT}/tasks", params=params, headers=clerks.headers(UNIT)
            )
            assert response.status_code == 200, response.text
            page = response.json()
            tasks.update(task["dossier_code"] for task in page["items"])
            if not (cursor := page["next_cursor"]):
                break
        now = time.monotonic()
        for code in tasks:
            self.seen_at.setdefault(code, now)
        self.tasks = tasks

    async def watch(self, until: asyncio.Event) -> None:
        """Read the queue every half second, so ``seen_at`` is when each dossier arrived, to half a second."""
        while not until.is_set():
            await self.read()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(until.wait(), 0.5)

    async def holding(self, codes: set[str]) -> bool | None:
        return True if codes <= set(self.tasks) else None

    async def holding_any(self) -> bool | None:
        return True if self.tasks else None


class Applicants:
    """What each applicant was told (notification) and what intake shows them, once both have moved on."""

    def __init__(self, http: httpx.AsyncClient, intake: str, notification: str) -> None:
        self.http = http
        self.intake = intake
        self.notification = notification
        self.messages: dict[str, Counter[tuple[str, str]]] = {}
        self.planned_at: dict[str, datetime] = {}
        self.status: dict[str, str] = {}

    async def told(self, codes: set[str]) -> bool | None:
        """True once every dossier has two messages planned and intake no longer shows it as just received."""
        for code in sorted(codes - self.status.keys()):
            response = await self.http.get(f"{self.notification}/v1/dossiers/{code}/notifications")
            assert response.status_code == 200, response.text
            entries = response.json()
            if len(entries) < sum(FIRST_MESSAGES.values()):
                return None
            view = (await self.http.get(f"{self.intake}/v1/dossiers/{code}")).json()
            if view["status"] == "receiving":
                return None
            self.messages[code] = Counter((entry["status"], entry["channel"]) for entry in entries)
            self.planned_at[code] = max(datetime.fromisoformat(entry["created_at"]) for entry in entries)
            self.status[code] = view["status"]
        return True


async def _dead_letters(settings: CommonSettings) -> dict[str, int]:
    """How many records each dead-letter topic of the stack's streams holds (its partitions' end offsets)."""
    topics = [dead_letter_topic(settings.topic_prefix + stream.topic) for stream in STREAMS]
    consumer = AIOKafkaConsumer(**kafka_connection(settings), group_id=None)
    await consumer.start()
    try:
        assert set(topics) <= await consumer.topics(), "every dead-letter topic exists"  # also fetches metadata
        partitions = [TopicPartition(topic, p) for topic in topics for p in consumer.partitions_for_topic(topic) or ()]
        ends = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    counts = Counter({topic: 0 for topic in topics})
    for tp, end in ends.items():
        counts[tp.topic] += end
    return dict(counts)


def _log_sizes(stack: ServiceStack) -> dict[str, int]:
    return {name: stack.log_file(name).stat().st_size for name in DEFAULT_PORTS}


def _log_lines(stack: ServiceStack, text: str, since: dict[str, int]) -> dict[str, int]:
    """How many lines of each service's log written after ``since`` contain ``text``."""
    found = {}
    for name in DEFAULT_PORTS:
        with stack.log_file(name).open("rb") as log:
            log.seek(since[name])
            found[name] = log.read().decode(errors="replace").count(text)
    return found


@pytest.mark.parametrize(
    ("fault", "outage"),
    [("kill", CRASH_SECONDS), ("stop", SHUTDOWN_SECONDS)],
    ids=["crash (kill -9) for 30 s", "shutdown (kafka.sh stop) for 45 s"],
)
async def test_a_kafka_outage_under_load_leaves_no_dossier_stalled_and_no_dead_letter(
    fault: str, outage: float, kafka: OwnKafka, services: ServiceStack, own_settings: CommonSettings
) -> None:
    intake, department, notification = (services.url(name) for name in ("intake", "department", "notification"))
    stop_load, stop_watching = asyncio.Event(), asyncio.Event()
    logs = _log_sizes(services)
    async with httpx.AsyncClient(headers=clerks.harness_headers(), timeout=30) as http:
        inbox = Inbox(http, department)
        watching = asyncio.create_task(inbox.watch(stop_watching))
        load = asyncio.create_task(_submit_steadily(http, intake, stop_load))
        try:
            await asyncio.sleep(BEFORE_SECONDS)
            await eventually(inbox.holding_any, what="dossiers reaching the inbox before the outage")
            await asyncio.to_thread(getattr(kafka, fault))
            down_at = time.monotonic()
            await asyncio.sleep(outage)
            starting_at = time.monotonic()
            await asyncio.to_thread(kafka.start)
            back_at, back_clock = time.monotonic(), datetime.now(UTC)
            await asyncio.sleep(AFTER_SECONDS)
            stop_load.set()
            submissions = await load
            accepted = {s.code for s in submissions if s.code is not None}
            await eventually(lambda: inbox.holding(accepted), timeout=90, what="every dossier in the unit's inbox")
        finally:
            stop_load.set()
            stop_watching.set()
            await asyncio.gather(load, watching, return_exceptions=True)
        applicants = Applicants(http, intake, notification)
        await eventually(lambda: applicants.told(accepted), timeout=60, what="every applicant's first messages")
        dead_deliveries = (await http.get(f"{notification}/v1/deliveries/dead-lettered")).json()
    dead_letters = await _dead_letters(own_settings)

    during = [s for s in submissions if down_at <= s.sent_at < back_at]
    during_codes = {s.code for s in during if s.code}
    arrivals = [inbox.seen_at[code] - back_at for code in during_codes]
    planned = [(applicants.planned_at[code] - back_clock).total_seconds() for code in during_codes]
    last = max(inbox.seen_at[code] for code in accepted) - back_at
    print(  # figures for the report, not assertions on speed
        f"\nbroker down {starting_at - down_at:.1f} s (+{back_at - starting_at:.1f} s to start and be ready);"
        f" {len(submissions)} submissions, {len(during)} while it was down or starting,"
        f" answered {dict(Counter(s.status for s in submissions))};"
        f" after it was back, the outage's dossiers reached the inbox in {min(arrivals, default=0):.1f}"
        f"-{max(arrivals, default=0):.1f} s, the applicants' messages planned by {max(planned, default=0):.1f} s;"
        f" the last dossier of the test reached the inbox {last:.1f} s after;"
        f" transient handler retries {_log_lines(services, 'handler failed (transient', logs)},"
        f" failed relay passes {_log_lines(services, 'outbox-relay: pass failed', logs)},"
        f" producers resynchronised {_log_lines(services, 'out of sequence with the broker', logs)}"
    )
    assert during, "submissions were made while the broker was down"
    assert {s.status for s in submissions} == {202}, Counter(s.status for s in submissions)
    assert {code: inbox.tasks[code] for code in accepted if inbox.tasks[code] != 1} == {}, "one task per dossier"
    assert all(inbox.seen_at[s.code] > starting_at for s in during if s.code), "none went through without Kafka"
    assert {code: m for code, m in applicants.messages.items() if m != FIRST_MESSAGES} == {}
    assert set(applicants.status.values()) == {"processing"}
    assert dead_letters == dict.fromkeys(dead_letters, 0)
    assert dead_deliveries == []
