"""Messages to clerks in the real deliveries table: one deadline event, several clerks, each once; the applicant's
messages still once per (event, channel)."""

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from services.notification.adapters.postgres_store import PostgresNotificationStore
from services.notification.domain.planned import PlannedDelivery
from shared.contracts import TaskEscalated
from tests.integration.test_delivery_worker import pool

__all__ = ["pool"]  # the delivery worker's fixture: a notification schema of its own, migrated
NOW = datetime.now(UTC)


def _step() -> TaskEscalated:
    return TaskEscalated(
        dossier_id=uuid.uuid4(),
        dossier_code="000.01.15.H40-261125-0007",
        task_id=uuid.uuid4(),
        unit_code="17179.KT",
        step=1,
        audience="unit-supervisors",
        ladder_version="test",
        due_at=NOW - timedelta(hours=1),
        overdue_at=NOW - timedelta(hours=1),
        escalated_at=NOW,
    )


def _to(clerk: str) -> PlannedDelivery:
    return PlannedDelivery("email", f"{clerk}@unit.gov.vn", "text", "subject", clerk_id=clerk, language="vi")


async def test_one_event_goes_to_each_clerk_once_and_both_are_due_at_once(pool: asyncpg.Pool) -> None:
    event_id, event = uuid.uuid4(), _step()
    async with pool.acquire() as connection:
        store = PostgresNotificationStore(connection)
        assert await store.plan_for_clerks(event_id, event, [_to("a"), _to("b")]) == 2
        assert await store.plan_for_clerks(event_id, event, [_to("a"), _to("b"), _to("c")]) == 1
        claimed = await store.claim_due(batch=10, lease_seconds=30)

    assert sorted(r["clerk_id"] for r in claimed) == ["a", "b", "c"]
    assert {r["status"] for r in claimed} == {None}


async def test_a_row_for_no_clerk_needs_a_status(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection:
        with pytest.raises(asyncpg.CheckViolationError):
            await PostgresNotificationStore(connection).plan_for_clerks(
                uuid.uuid4(), _step(), [PlannedDelivery("email", "x@unit.gov.vn", "text")]
            )
