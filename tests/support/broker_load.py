"""Steady dossier load on the four services running against a Kafka of a test's own, and what it did.

The e2e tests that take a broker away (``test_broker_outage.py``: the only broker down for a while;
``test_broker_cluster.py``: one broker of three killed) run the services as processes on such a
broker (:func:`own_stack`), POST births at a steady rate while they break it
(:func:`under_load`), and then read what the clerks and the applicants see (:class:`Inbox`,
:class:`Applicants`) and what went wrong (:func:`dead_letters`, :func:`log_lines`).
"""

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
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
from tests.support.scratch_database import scratch_database
from tests.support.waiting import eventually

UNIT = f"{BIRTH_IN_QUYNH_LUU['commune_code']}.VP"
"""Where a birth registration in Quỳnh Lưu is handled: the commune's office (a birth has no fee to pay first)."""
FIRST_MESSAGES = Counter({("receiving", "sms"): 1, ("processing", "sms"): 1})
"""What the applicant (a phone number only) is told until a clerk acts: received, then being processed."""


@dataclass(frozen=True)
class OwnStack:
    """The four services on a Kafka of a test's own."""

    kafka: OwnKafka
    settings: CommonSettings
    """The run's settings on that Kafka as its administrator, with the stack's topic prefix and database."""
    services: ServiceStack


@contextlib.asynccontextmanager
async def own_stack(
    settings: CommonSettings,
    standins: StandinServers,
    directory: Path,
    name: str,
    brokers: int = 1,
    database_via: Callable[[str], str] | None = None,
) -> AsyncIterator[OwnStack]:
    """A Kafka of ``brokers`` nodes in ``directory`` on free ports, which kafka.sh starts with the stack's topics and
    ACLs (prefix: the run's and ``name``), a database of its own beside the run's (named after it with ``name``),
    and the four services on them (:func:`services_on`), bootstrapping from every node; all stopped,
    dropped and deleted on exit. ``database_via`` gives the database's address the services use (a proxy's)."""
    prefix = f"{settings.topic_prefix}{name}."
    kafka = OwnKafka(directory, brokers, topic_prefix=prefix)
    kafka.start()
    try:
        async with scratch_database(settings.database_url, name) as database:
            admin = kafka.admin_settings(settings).model_copy(update={"topic_prefix": prefix, "database_url": database})
            run = directory / "stack"
            run.mkdir()
            services_database = database_via(database) if database_via else database
            with services_on(kafka, services_database, admin.topic_prefix, standins, run) as services:
                yield OwnStack(kafka, admin, services)
    finally:
        kafka.stop()


@contextlib.contextmanager
def services_on(
    kafka: OwnKafka, database: str, prefix: str, standins: StandinServers, run: Path, bootstrap: str | None = None
) -> Iterator[ServiceStack]:
    """The four services on ``kafka`` (bootstrapping from ``bootstrap``, default every broker of it) with topic
    ``prefix``, a database of their own, the run's stand-ins, and the object store up.sh started; each its own
    Kafka principal."""
    env = {
        "LIENTHONG_DATABASE_URL": database,
        "LIENTHONG_TOPIC_PREFIX": prefix,
        "LIENTHONG_KAFKA_BOOTSTRAP_SERVERS": bootstrap or kafka.bootstrap,
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
        service_env=for_keepers(kafka.principals.services_env(), local_object_store_env()),
    )
    stack.start()
    try:
        stack.wait_ready()
        yield stack
    finally:
        stack.stop()


@dataclass(frozen=True)
class Submission:
    sent_at: float
    status: int | str
    """The HTTP status intake answered, or the client error's name when there was no answer."""
    code: str | None


async def submit_steadily(
    http: httpx.AsyncClient, intake: str, until: asyncio.Event, per_second: float
) -> list[Submission]:
    """POST a dossier every 1/``per_second`` s until ``until`` is set, without waiting for the answers; each
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
        next_at = started + len(pending) / per_second
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
            if response.status_code == 503:  # its database is away: read again next time
                return
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


async def dead_letters(settings: CommonSettings) -> dict[str, int]:
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


def log_sizes(stack: ServiceStack) -> dict[str, int]:
    """Where each service's log ends now, for :func:`log_lines`."""
    return {name: stack.log_file(name).stat().st_size for name in DEFAULT_PORTS}


def log_lines(stack: ServiceStack, text: str, since: dict[str, int]) -> dict[str, int]:
    """How many lines of each service's log written after ``since`` contain ``text``."""
    found = {}
    for name in DEFAULT_PORTS:
        with stack.log_file(name).open("rb") as log:
            log.seek(since[name])
            found[name] = log.read().decode(errors="replace").count(text)
    return found


def recovery_log_lines(stack: ServiceStack, since: dict[str, int]) -> str:
    """What the services did to heal, counted per service in their logs since ``since`` (for a test's figures)."""
    return (
        f"transient handler retries {log_lines(stack, 'handler failed (transient', since)},"
        f" failed relay passes {log_lines(stack, 'outbox-relay: pass failed', since)},"
        f" producers resynchronised {log_lines(stack, 'out of sequence with the broker', since)}"
    )


@dataclass(frozen=True)
class LoadOutcome:
    """What a steady load did once the fault was over and every accepted dossier had reached the inbox."""

    submissions: list[Submission]
    inbox: Inbox
    applicants: Applicants
    dead_lettered: dict[str, int]
    """Records on each dead-letter topic of the stack's streams."""
    dead_deliveries: list[Any]

    @property
    def accepted(self) -> set[str]:
        return {s.code for s in self.submissions if s.code is not None}

    def assert_each_dossier_once(self, answers: frozenset[int | str] = frozenset({202})) -> None:
        """Every POST answered 202 (or one of ``answers``), each dossier once in its unit's inbox, each applicant
        told once that it was received and once that it is being processed, nothing dead-lettered."""
        submissions, inbox = self.submissions, self.inbox
        assert {s.status for s in submissions} <= answers, Counter(s.status for s in submissions)
        assert {code: inbox.tasks[code] for code in self.accepted if inbox.tasks[code] != 1} == {}, "a task each"
        assert {code: m for code, m in self.applicants.messages.items() if m != FIRST_MESSAGES} == {}
        assert set(self.applicants.status.values()) == {"processing"}
        assert self.dead_lettered == dict.fromkeys(self.dead_lettered, 0)
        assert self.dead_deliveries == []


async def under_load(
    own: OwnStack,
    fault: Callable[[], Awaitable[None]],
    *,
    per_second: float,
    before_seconds: float,
    inbox_timeout: float,
) -> LoadOutcome:
    """Births POSTed steadily at ``per_second`` to ``own``'s intake while the unit's inbox is watched: once dossiers
    reach it (after ``before_seconds`` at least), ``fault`` is awaited (it breaks the broker, mends it and lets
    the load run on); then the load stops and this waits until every accepted dossier is in the inbox (within
    ``inbox_timeout``) and every applicant has been told."""
    intake, department, notification = (own.services.url(name) for name in ("intake", "department", "notification"))
    stop_load, stop_watching = asyncio.Event(), asyncio.Event()
    async with httpx.AsyncClient(headers=clerks.harness_headers(), timeout=30) as http:
        inbox = Inbox(http, department)
        watching = asyncio.create_task(inbox.watch(stop_watching))
        load = asyncio.create_task(submit_steadily(http, intake, stop_load, per_second))
        try:
            await asyncio.sleep(before_seconds)
            await eventually(inbox.holding_any, what="dossiers reaching the inbox before the fault")
            await fault()
            stop_load.set()
            submissions = await load
            accepted = {s.code for s in submissions if s.code is not None}
            await eventually(lambda: inbox.holding(accepted), timeout=inbox_timeout, what="every dossier in the inbox")
        finally:
            stop_load.set()
            stop_watching.set()
            await asyncio.gather(load, watching, return_exceptions=True)
        applicants = Applicants(http, intake, notification)
        await eventually(lambda: applicants.told(accepted), timeout=60, what="every applicant's first messages")
        dead_deliveries = (await http.get(f"{notification}/v1/deliveries/dead-lettered")).json()
    return LoadOutcome(submissions, inbox, applicants, await dead_letters(own.settings), dead_deliveries)
