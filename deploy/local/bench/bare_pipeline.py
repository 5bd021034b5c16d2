"""The bare pipeline: lienthong's hops written directly on aiokafka and asyncpg, with batches, as the stack's limit.

    submit:   one statement (one round trip, its own transaction) writes the dossier row and its outbox row
    relay A:  reads up to ``batch`` unsent rows, sends them all, awaits the acknowledgements together,
              marks them sent in one UPDATE
    routing:  fetches up to ``batch`` messages, writes inbox + plan + outbox rows (a task order and a status
              change per dossier) for the whole batch in one transaction (``unnest``), then commits the offsets
    relay B:  as relay A, for routing's outbox, to two topics
    inbox:    the task orders' consumer: fetches batches, writes inbox + task rows in one transaction, commits
              the offsets; the moment that transaction commits is the dossier's arrival in its unit's inbox
    notify:   the status changes' consumer: inbox + a planned SMS row per dossier, one transaction per batch;
              a dossier is complete when both its task and its notification are committed

It runs in one process, in a PostgreSQL schema and Kafka topics of its own (dropped and deleted
by ``close``), with the idempotent producer and the same partition count as the services' topics.
Nothing here is lienthong's code: it is what the services' work costs on this stack, without them.
"""

import asyncio
import contextlib
import json
import time
import uuid
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from shared.kernel.kafka_connection import kafka_connection
from shared.kernel.messaging import ensure_topics
from shared.kernel.settings import CommonSettings

TABLES = """
CREATE TABLE dossiers (id uuid PRIMARY KEY, code text UNIQUE NOT NULL, submission jsonb NOT NULL,
                       received_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE intake_outbox (id bigserial PRIMARY KEY, topic text NOT NULL, key text NOT NULL, body jsonb NOT NULL,
                            sent_at timestamptz);
CREATE INDEX intake_outbox_unsent ON intake_outbox (id) WHERE sent_at IS NULL;
CREATE TABLE routing_inbox (event_id uuid PRIMARY KEY, handled_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE plans (dossier_id uuid PRIMARY KEY, code text NOT NULL, unit_code text NOT NULL,
                    status text NOT NULL, planned_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE routing_outbox (id bigserial PRIMARY KEY, topic text NOT NULL, key text NOT NULL, body jsonb NOT NULL,
                             sent_at timestamptz);
CREATE INDEX routing_outbox_unsent ON routing_outbox (id) WHERE sent_at IS NULL;
CREATE TABLE department_inbox (event_id uuid PRIMARY KEY, handled_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE tasks (id uuid PRIMARY KEY, dossier_id uuid NOT NULL, code text NOT NULL, unit_code text NOT NULL,
                    status text NOT NULL DEFAULT 'open', assigned_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE notification_inbox (event_id uuid PRIMARY KEY, handled_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE deliveries (id bigserial PRIMARY KEY, event_id uuid NOT NULL, code text NOT NULL, channel text NOT NULL,
                         message text NOT NULL, state text NOT NULL DEFAULT 'pending',
                         created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (event_id, channel));
"""
SUBMIT = """
WITH dossier AS (
    INSERT INTO dossiers (id, code, submission) VALUES ($1, $2, $3::jsonb) RETURNING id, code, submission
)
INSERT INTO intake_outbox (topic, key, body)
SELECT $4, id::text, jsonb_build_object('event_id', gen_random_uuid(), 'dossier_id', id, 'code', code,
                                    'submission', submission)
FROM dossier
"""
PLAN_AND_ORDER = """
WITH fresh AS (
    INSERT INTO routing_inbox (event_id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id
), events AS (
    SELECT e.* FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS e(event_id, dossier_id, code, unit_code)
    JOIN fresh USING (event_id)
), planned AS (
    INSERT INTO plans (dossier_id, code, unit_code, status) SELECT dossier_id, code, unit_code, 'processing'
    FROM events ON CONFLICT DO NOTHING
)
INSERT INTO routing_outbox (topic, key, body)
SELECT topic, dossier_id::text, jsonb_build_object('event_id', gen_random_uuid(), 'task_id', gen_random_uuid(),
                                                   'dossier_id', dossier_id, 'code', code, 'unit_code', unit_code,
                                                   'status', 'processing')
FROM events CROSS JOIN unnest($5::text[]) AS topics(topic)
"""
QUEUE_TASKS = """
WITH fresh AS (
    INSERT INTO department_inbox (event_id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id
)
INSERT INTO tasks (id, dossier_id, code, unit_code)
SELECT t.task_id, t.dossier_id, t.code, t.unit_code
FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[])
     AS t(event_id, task_id, dossier_id, code, unit_code)
JOIN fresh USING (event_id)
ON CONFLICT DO NOTHING
"""
PLAN_DELIVERIES = """
WITH fresh AS (
    INSERT INTO notification_inbox (event_id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id
)
INSERT INTO deliveries (event_id, code, channel, message)
SELECT d.event_id, d.code, 'sms', 'Hồ sơ ' || d.code || ' đang được xử lý'
FROM unnest($1::uuid[], $2::text[]) AS d(event_id, code)
JOIN fresh USING (event_id)
ON CONFLICT DO NOTHING
"""


class BarePipeline:
    """Start with ``await start()``, ``await submit(submission)`` per dossier, read ``arrived``, ``await close()``."""

    def __init__(self, settings: CommonSettings, *, batch: int = 500, poll_seconds: float = 0.02) -> None:
        self.settings = settings
        self.batch = batch
        self.poll_seconds = poll_seconds
        tag = uuid.uuid4().hex[:8]
        self.schema = f"bench_bare_{tag}"
        self.submitted_topic = f"bench-{tag}.bare.dossiers"
        self.orders_topic = f"bench-{tag}.bare.task-orders"
        self.status_topic = f"bench-{tag}.bare.dossier-status"
        self.topics = (self.submitted_topic, self.orders_topic, self.status_topic)
        self.arrived: dict[str, float] = {}
        """Dossier code → time.time() when its task's transaction committed."""
        self.notified: dict[str, float] = {}
        """Dossier code → time.time() when its notification's transaction committed."""
        self._pool: asyncpg.Pool | None = None
        self._producer: AIOKafkaProducer | None = None
        self._consumers: list[AIOKafkaConsumer] = []
        self._connections: list[asyncpg.Connection] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._count = 0

    async def _connect(self) -> asyncpg.Connection:
        connection = await asyncpg.connect(self.settings.database_url, server_settings={"search_path": self.schema})
        self._connections.append(connection)
        return connection

    async def start(self) -> None:
        tables = f'CREATE SCHEMA "{self.schema}"; SET search_path TO "{self.schema}"; {TABLES}'
        await execute(self.settings.database_url, tables)
        await ensure_topics(self.settings, self.topics)
        self._pool = await asyncpg.create_pool(
            self.settings.database_url, min_size=10, max_size=10, server_settings={"search_path": self.schema}
        )
        self._producer = AIOKafkaProducer(**kafka_connection(self.settings), enable_idempotence=True)
        await self._producer.start()
        routing = await self._consumer(self.submitted_topic, "routing")
        department = await self._consumer(self.orders_topic, "department")
        notification = await self._consumer(self.status_topic, "notification")
        self._tasks = [
            asyncio.create_task(self._relay(await self._connect(), "intake_outbox")),
            asyncio.create_task(self._consume(routing, await self._connect(), self._plan, None)),
            asyncio.create_task(self._relay(await self._connect(), "routing_outbox")),
            asyncio.create_task(self._consume(department, await self._connect(), self._queue, self.arrived)),
            asyncio.create_task(self._consume(notification, await self._connect(), self._notify, self.notified)),
        ]
        deadline = time.monotonic() + 60
        while not all(c.assignment() for c in self._consumers):  # joined, so the first dossiers wait on nothing
            if time.monotonic() > deadline:
                raise TimeoutError("the bare pipeline's consumers got no partitions in 60 s")
            await asyncio.sleep(0.1)

    async def _consumer(self, topic: str, name: str) -> AIOKafkaConsumer:
        consumer = AIOKafkaConsumer(
            topic,
            **kafka_connection(self.settings),
            group_id=f"{topic}.{name}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.batch,
        )
        await consumer.start()
        self._consumers.append(consumer)
        return consumer

    async def submit(self, submission: dict[str, Any]) -> str:
        """Receive one dossier (its row and its outbox row in one statement); returns its code."""
        assert self._pool is not None
        self._count += 1
        code = f"BARE-{self.schema[-8:]}-{self._count:07d}"
        await self._pool.execute(SUBMIT, uuid.uuid4(), code, json.dumps(submission), self.submitted_topic)
        return code

    async def _relay(self, connection: asyncpg.Connection, table: str) -> None:
        assert self._producer is not None
        while True:
            rows = await connection.fetch(
                f"SELECT id, topic, key, body FROM {table} WHERE sent_at IS NULL ORDER BY id LIMIT $1", self.batch
            )
            if not rows:
                await asyncio.sleep(self.poll_seconds)
                continue
            acks = [
                await self._producer.send(
                    row["topic"], row["body"].encode(), key=row["key"].encode(), headers=[("ce_type", b"bench")]
                )
                for row in rows
            ]
            await asyncio.gather(*acks)
            await connection.execute(f"UPDATE {table} SET sent_at = now() WHERE id = ANY($1)", [r["id"] for r in rows])

    async def _consume(
        self, consumer: AIOKafkaConsumer, connection: asyncpg.Connection, handle: Any, done: dict[str, float] | None
    ) -> None:
        while True:
            fetched = await consumer.getmany(timeout_ms=100, max_records=self.batch)
            bodies = [json.loads(m.value) for messages in fetched.values() for m in messages if m.value is not None]
            if not bodies:
                continue
            async with connection.transaction():
                await handle(connection, bodies)
            await consumer.commit()
            if done is not None:
                now = time.time()
                for body in bodies:
                    done.setdefault(body["code"], now)

    async def _plan(self, connection: asyncpg.Connection, bodies: list[dict[str, Any]]) -> None:
        for body in bodies:  # the plan: the commune's one-stop office first
            body["unit_code"] = f"{body['submission']['commune_code']}.VP"
        columns = _columns(bodies, "event_id", "dossier_id", "code", "unit_code")
        await connection.execute(PLAN_AND_ORDER, *columns, [self.orders_topic, self.status_topic])

    async def _queue(self, connection: asyncpg.Connection, bodies: list[dict[str, Any]]) -> None:
        columns = _columns(bodies, "event_id", "task_id", "dossier_id", "code", "unit_code")
        await connection.execute(QUEUE_TASKS, *columns)

    async def _notify(self, connection: asyncpg.Connection, bodies: list[dict[str, Any]]) -> None:
        await connection.execute(PLAN_DELIVERIES, *_columns(bodies, "event_id", "code"))

    async def planned(self, codes: list[str], deadline: float) -> dict[str, float]:
        """Code → when its notification was committed, for those committed by ``deadline`` (time.monotonic())."""
        while any(code not in self.notified for code in codes) and time.monotonic() < deadline:
            self.check()
            await asyncio.sleep(0.05)
        return {code: self.notified[code] for code in codes if code in self.notified}

    def check(self) -> None:
        """Raise what stopped one of the pipeline's loops, if one did."""
        for task in self._tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise RuntimeError("a loop of the bare pipeline stopped") from task.exception()

    async def close(self) -> None:
        """Stop every loop and client, drop the schema, delete the topics."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for consumer in self._consumers:
            await consumer.stop()
        if self._producer is not None:
            await self._producer.stop()
        for connection in self._connections:
            await connection.close()
        if self._pool is not None:
            await self._pool.close()
        await execute(self.settings.database_url, f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        await delete_topics(self.settings, lambda name: name in self.topics)


def _columns(bodies: list[dict[str, Any]], *keys: str) -> list[list[Any]]:
    """One array per key, for statements that ``unnest`` a whole batch."""
    return [[body[key] for body in bodies] for key in keys]


async def execute(database_url: str, sql: str) -> None:
    """Run ``sql`` on a connection of its own (creating or dropping a schema or a database)."""
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def delete_topics(settings: CommonSettings, chosen: Any) -> None:
    """Delete the broker's topics whose name ``chosen(name)`` is true."""
    admin = AIOKafkaAdminClient(**kafka_connection(settings))
    await admin.start()
    try:
        names = [name for name in await admin.list_topics() if chosen(name)]
        if names:
            await admin.delete_topics(names)
    finally:
        await admin.close()
