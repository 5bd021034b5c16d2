"""A PostgreSQL outage is waited out: 0 dead letters, every event applied once afterwards.

The consumer is the kernel's (``create_broker`` + ``subscribe``) on the real Kafka; its
handler runs the kernel's inbox transaction on the real PostgreSQL, reached through a TCP
proxy this test controls. Cutting the proxy is a real network fault on a real database (every
open connection reset, new ones refused) without stopping the PostgreSQL other tests share.
"""

import asyncio
import logging
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit
from uuid import UUID

import asyncpg
import pytest

from shared.contracts import DOSSIER_STATUS, DossierStatusChanged, Event, dead_letter_topic
from shared.contracts.cloudevents import headers_for
from shared.kernel.consumers import Handler, subscribe
from shared.kernel.db import create_pool
from shared.kernel.inbox import first_delivery
from shared.kernel.messaging import create_broker, ensure_topics
from shared.kernel.migrations import migrate
from shared.kernel.settings import CommonSettings
from shared.kernel.unit_of_work import UnitOfWork
from tests.support.events import status_changed
from tests.support.kafka import publish_raw, read_topic
from tests.support.tcp_proxy import CuttableProxy, through
from tests.support.waiting import eventually

OUTAGE_SECONDS = 30.0


async def test_a_30_second_database_outage_while_events_flow_loses_nothing_and_dead_letters_nothing(
    settings: CommonSettings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="shared.kernel.dead_letters")
    run = uuid.uuid4().hex[:6]
    schema = f"it_outage_{run}"
    prefix = f"{settings.topic_prefix}outage-{run}."
    own = settings.model_copy(update={"topic_prefix": prefix, "topic_partitions": 3})
    topic = prefix + DOSSIER_STATUS.topic
    await ensure_topics(own, [topic, dead_letter_topic(topic)])
    await migrate(settings.database_url, schema, tmp_path)  # the kernel's inbox table only
    admin = await asyncpg.connect(settings.database_url)
    await admin.execute(f"CREATE TABLE {schema}.applied (dossier_id uuid NOT NULL)")

    real = urlsplit(settings.database_url)
    proxy = CuttableProxy(real.hostname or "127.0.0.1", real.port or 5432)
    await proxy.open()
    pool = await create_pool(through(settings.database_url, proxy.port), schema, max_size=4)
    applied_at: dict[UUID, float] = {}

    class InboxRunner:
        """The runtime's handle_once: the handler in one transaction with the event's inbox row."""

        async def handle_once(self, consumer: str, event_id: UUID, event: Event, handler: Handler) -> None:
            async with pool.acquire() as connection, connection.transaction():
                if await first_delivery(connection, consumer, event_id):
                    await connection.execute("INSERT INTO applied (dossier_id) VALUES ($1)", event.dossier_id)
            applied_at.setdefault(event.dossier_id, time.monotonic())

    async def never_called(_uow: UnitOfWork[None], _event: DossierStatusChanged) -> None:
        raise AssertionError("the runner applies the event itself")

    broker = create_broker(own, "outage-test", None)
    subscribe(broker, "notification", {DOSSIER_STATUS: {DossierStatusChanged: never_called}}, prefix, InboxRunner())
    await broker.start()
    sent: list[tuple[UUID, float]] = []

    async def send(count: int, every: float) -> None:
        for _ in range(count):
            event = status_changed()
            headers = headers_for(event, source="routing").as_kafka_headers()
            await publish_raw(
                settings, topic, event.model_dump_json().encode(), key=event.dossier_id.bytes, headers=headers
            )
            sent.append((event.dossier_id, time.monotonic()))
            await asyncio.sleep(every)

    try:
        await send(8, 0.25)
        await eventually(lambda: _at_least(len(applied_at), 8), what="the first events applied")
        cut_at = time.monotonic()
        await proxy.cut()
        await send(int(OUTAGE_SECONDS / 1.5), 1.5)  # events keep flowing while the database is away
        await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - cut_at)))
        await proxy.open()
        restored_at = time.monotonic()
        await send(8, 0.25)
        await eventually(lambda: _at_least(len(applied_at), len(sent)), timeout=60, what="every event applied")
        dead = await read_topic(settings, dead_letter_topic(topic), at_least=1, timeout=5)
        rows = await admin.fetch(f"SELECT dossier_id, count(*) AS n FROM {schema}.applied GROUP BY dossier_id")
    finally:
        await broker.stop()
        await pool.close()
        await proxy.close()
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()

    during = [dossier for dossier, at in sent if cut_at < at < restored_at]
    transient = [r for r in caplog.records if "handler failed (transient" in r.getMessage()]
    print(  # figures for the report, not assertions on speed
        f"outage {restored_at - cut_at:.1f}s, {len(sent)} events ({len(during)} during it),"
        f" {len(transient)} transient retries, last applied {max(applied_at.values()) - restored_at:.1f}s after restore"
    )
    assert dead == []
    assert sorted(row["dossier_id"] for row in rows) == sorted(dossier for dossier, _ in sent)
    assert {row["n"] for row in rows} == {1}, "each event applied once"
    assert transient, "the outage reached the handlers"
    assert during
    assert all(applied_at[dossier] > restored_at for dossier in during), "applied only once the database was back"


async def _at_least(value: int, expected: int) -> bool | None:
    return True if value >= expected else None
