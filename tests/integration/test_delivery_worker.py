"""The delivery worker on the real PostgreSQL, sending to the SMS gateway stand-in (in process).

Order per dossier and channel, several workers sharing the table, and a worker whose lease
passed to another: each message reaches the gateway once, in the order it was planned.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest
from opentelemetry.trace import NoOpTracer
from prometheus_client import CollectorRegistry
from standins.control import Standin
from standins.sms import sms_app

from services.notification import handlers
from services.notification.adapters.postgres_store import PostgresNotificationStore
from services.notification.channels.sms import SmsGateway
from services.notification.delivery.metrics import DeliveryMetrics
from services.notification.delivery.worker import DeliveryWorker
from services.notification.store import NotificationStore
from shared.contracts import Applicant, DossierStatus, DossierStatusChanged
from shared.kernel.db import create_pool
from shared.kernel.migrations import migrate
from shared.kernel.retry import RetryPolicy
from shared.kernel.settings import CommonSettings
from shared.kernel.unit_of_work import RecordingOutbox, Transactions, UnitOfWork

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "notification" / "migrations"
STATUSES = (DossierStatus.RECEIVING, DossierStatus.PROCESSING, DossierStatus.WAITING, DossierStatus.DONE)


@pytest.fixture
async def pool(settings: CommonSettings) -> AsyncIterator[asyncpg.Pool]:
    schema = f"it_notification_{uuid.uuid4().hex[:8]}"
    await migrate(settings.database_url, schema, MIGRATIONS)
    pool = await create_pool(settings.database_url, schema)
    yield pool
    await pool.close()


class Gateway:
    """One SMS gateway stand-in (its record and its memory of request ids) that every worker sends to."""

    def __init__(self) -> None:
        self.standin = Standin("sms")
        self.app = sms_app(self.standin, api_key="key")

    def switch(self, **behaviour: object) -> None:
        self.standin.behaviour = self.standin.behaviour.model_copy(update=behaviour)

    def sent(self, *, duplicates: bool = False) -> list[str]:
        return [r.body["request_id"] for r in self.standin.received if duplicates or not r.duplicate]


def _worker(pool: asyncpg.Pool, gateway: Gateway, *, lease: float = 30.0, attempts: int = 5) -> DeliveryWorker:
    sender = SmsGateway("http://sms", "key", "DICHVUCONG", timeout=5, transport=httpx.ASGITransport(app=gateway.app))
    return DeliveryWorker(
        Transactions[NotificationStore](lambda: pool, PostgresNotificationStore, "notification", ""),
        {"sms": sender},
        RetryPolicy(base_seconds=0.01, cap_seconds=0.02, attempts=attempts),
        DeliveryMetrics(CollectorRegistry()),
        tracer=NoOpTracer(),
        batch=50,
        lease_seconds=lease,
        send_timeout_seconds=2,
    )


async def _plan_journey(pool: asyncpg.Pool, phone: str) -> tuple[str, list[uuid.UUID]]:
    """Every status of one dossier planned, as the consumer would, one event each; returns code and event ids."""
    dossier_id, code = uuid.uuid4(), f"000.01.15.H40-261201-{uuid.uuid4().int % 10000:04d}"
    applicant = Applicant(citizen_id="040301000123", full_name="Hồ Thị Lan", phone=phone)
    events = []
    previous = None
    async with pool.acquire() as connection:
        for status in STATUSES:
            event_id = uuid.uuid4()
            event = DossierStatusChanged(
                dossier_id=dossier_id,
                dossier_code=code,
                status=status,
                previous_status=previous,
                procedure_code="1.001193",
                applicant=applicant,
                received_at=datetime.now(UTC),
                due_at=datetime.now(UTC),
                missing=("Giấy chứng sinh",) if status is DossierStatus.WAITING else (),
                changed_at=datetime.now(UTC),
            )
            async with connection.transaction():
                uow: UnitOfWork[NotificationStore] = UnitOfWork(
                    PostgresNotificationStore(connection), RecordingOutbox(), datetime.now(UTC), cause=event_id
                )
                await handlers.plan_deliveries(uow, event, senders=frozenset({"sms"}))
            events.append(event_id)
            previous = status
    return code, events


async def _until_delivered(pool: asyncpg.Pool, *workers: DeliveryWorker) -> None:
    for _ in range(200):
        await asyncio.gather(*(w.deliver_due() for w in workers))
        async with pool.acquire() as connection:
            if not await connection.fetchval("SELECT count(*) FROM deliveries WHERE state <> 'delivered'"):
                return
        await asyncio.sleep(0.02)
    raise AssertionError("deliveries still open after 200 rounds")


async def test_a_dossiers_messages_wait_for_the_one_before_them(pool: asyncpg.Pool) -> None:
    gateway = Gateway()
    worker = _worker(pool, gateway)
    code, events = await _plan_journey(pool, "0912345678")
    gateway.switch(outage=True)

    await worker.deliver_due()

    async with pool.acquire() as connection:
        rows = await connection.fetch(
            "SELECT attempts, state FROM deliveries WHERE dossier_code = $1 ORDER BY id", code
        )
    assert [(r["attempts"], r["state"]) for r in rows] == [
        (1, "pending"),
        (0, "pending"),
        (0, "pending"),
        (0, "pending"),
    ]

    gateway.switch(outage=False)
    await _until_delivered(pool, worker)

    assert gateway.sent() == [f"{e}.sms" for e in events]


async def test_three_workers_sharing_the_table_send_each_message_once(pool: asyncpg.Pool) -> None:
    gateway = Gateway()
    workers = [_worker(pool, gateway) for _ in range(3)]
    journeys = [await _plan_journey(pool, f"09{n:08d}") for n in range(20)]

    await _until_delivered(pool, *workers)

    sent = gateway.sent(duplicates=True)
    assert len(sent) == len(set(sent)) == 20 * len(STATUSES)
    for _, events in journeys:
        mine = [s for s in sent if s.split(".")[0] in {str(e) for e in events}]
        assert mine == [f"{e}.sms" for e in events], "a dossier's messages left out of order"


async def test_a_worker_whose_lease_passed_to_another_drops_its_outcome(pool: asyncpg.Pool) -> None:
    gateway = Gateway()
    slow = _worker(pool, gateway, lease=0.3)
    other = _worker(pool, gateway, lease=30)
    _, events = await _plan_journey(pool, "0987654321")
    gateway.switch(latency_seconds=0.8)

    first = asyncio.create_task(slow.deliver_due())  # claims the first message, then waits on the gateway
    await asyncio.sleep(0.5)  # its lease has ended
    gateway.switch(latency_seconds=0.0)
    await other.deliver_due()  # takes the first message over and delivers it
    await first

    async with pool.acquire() as connection:
        row = await connection.fetchrow(
            "SELECT state, attempts FROM deliveries WHERE event_id = $1 AND channel = 'sms'", events[0]
        )
    assert (row["state"], row["attempts"]) == ("delivered", 2)
    assert gateway.sent(duplicates=True) == [f"{events[0]}.sms"] * 2
    assert gateway.sent() == [f"{events[0]}.sms"], "the gateway sent the message twice"
    await _until_delivered(pool, other)
    assert gateway.sent() == [f"{e}.sms" for e in events]
