"""The retention worker on the real PostgreSQL: old personal data pseudonymised once, old rows pruned in batches.

Each test migrates a service's schema of its own and writes its rows directly, with end times
set in the past, then runs the retention pass the service runs.
"""

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from services.intake.adapters.retention import DOSSIER_APPLICANTS as INTAKE_APPLICANTS
from services.notification.adapters.retention import delivery_retention
from services.routing.adapters.retention import DOSSIER_APPLICANTS as ROUTING_APPLICANTS
from shared.contracts import Applicant
from shared.kernel.journal import chain_entries, recomputed_hash, service_chain
from shared.kernel.migrations import migrate
from shared.kernel.pseudonyms import Pseudonyms
from shared.kernel.retention import Retention, RetentionTask, kernel_pruning, retention_worker
from shared.kernel.settings import CommonSettings
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, LAND_IN_RACH_GIA
from tests.support.waiting import eventually

SERVICES = Path(__file__).resolve().parents[2] / "services"
KEY = b"integration-test-pseudonym-key-32b"
YEAR = timedelta(days=365)
LAN = {**BIRTH_IN_QUYNH_LUU["applicant"], "email": "lan.ho@example.vn", "channels": ["sms", "email"]}
MINH = LAND_IN_RACH_GIA["applicant"]


@contextlib.asynccontextmanager
async def schema_of(settings: CommonSettings, service: str) -> AsyncIterator[tuple[str, asyncpg.Connection]]:
    """A fresh schema with ``service``'s tables, and a connection that sees it first."""
    schema = f"it_retention_{service}_{uuid.uuid4().hex[:6]}"
    await migrate(settings.database_url, schema, SERVICES / service / "migrations")
    connection = await asyncpg.connect(settings.database_url, server_settings={"search_path": schema})
    try:
        yield schema, connection
    finally:
        await connection.close()


def _retention(schema: str, tasks: Sequence[RetentionTask], now: datetime, batch: int = 500) -> Retention:
    return Retention(schema, tasks, batch=batch, clock=lambda: now)


async def _add_dossier(
    connection: asyncpg.Connection, applicant: dict[str, object], status: str, ended_at: datetime
) -> uuid.UUID:
    dossier_id = uuid.uuid4()
    await connection.execute(
        "INSERT INTO dossiers (id, code, procedure_code, receiving_agency, commune_code, province_code, applicant,"
        " client_id, status, handling_unit, received_at, updated_at, identity_status, identity_next_check_at)"
        " VALUES ($1, $2, '1.001193', '000.01.15.H40', '17179', '40', $3, 'counter', $4, '17179.VP', $5, $6,"
        " 'pending', $6)",
        dossier_id,
        f"000.01.15.H40-{dossier_id.hex[:6]}-0001",
        json.dumps(applicant),
        status,
        ended_at - timedelta(days=20),
        ended_at,
    )
    return dossier_id


async def test_a_dossier_ended_past_its_period_is_pseudonymised_by_one_pass_and_a_young_one_is_not(
    settings: CommonSettings,
) -> None:
    now = datetime.now(UTC)
    async with schema_of(settings, "intake") as (schema, connection):
        old = await _add_dossier(connection, LAN, "done", now - YEAR - timedelta(days=1))
        again = await _add_dossier(connection, LAN, "denied", now - 2 * YEAR)
        young = await _add_dossier(connection, MINH, "cancelled", now - YEAR + timedelta(days=1))
        running = await _add_dossier(connection, MINH, "processing", now - 2 * YEAR)
        before = {r["id"]: dict(r) for r in await connection.fetch("SELECT * FROM dossiers")}
        retention = _retention(schema, [INTAKE_APPLICANTS.task(Pseudonyms(KEY), YEAR)], now)

        assert await retention.run(connection) == 2

        rows = {r["id"]: dict(r) for r in await connection.fetch("SELECT * FROM dossiers")}
        for dossier_id in (old, again):
            row = rows[dossier_id]
            written = row["applicant"]
            assert not [v for v in ("040301000123", "Hồ Thị Lan", "0912345678", "lan.ho@example.vn") if v in written]
            Applicant.model_validate_json(written)
            assert row["applicant_pseudonym"] == Pseudonyms(KEY).citizen(LAN["citizen_id"])
            assert row["pseudonymised_at"] is not None
            assert row["identity_next_check_at"] is None, "nothing left to check"
            kept = ("code", "status", "received_at", "updated_at", "handling_unit", "province_code", "client_id")
            assert {c: row[c] for c in kept} == {c: before[dossier_id][c] for c in kept}
        assert rows[old]["applicant_pseudonym"] == rows[again]["applicant_pseudonym"], "counts per applicant stay"
        assert rows[young] == before[young]
        assert rows[running] == before[running], "a dossier still being handled keeps its applicant"

        assert await retention.run(connection) == 0, "a pseudonymised dossier is never processed again"
        assert {r["id"]: dict(r) for r in await connection.fetch("SELECT * FROM dossiers")} == rows

        [entry] = await chain_entries(connection, service_chain(schema))
        assert entry.details["rows"] == {"applicants.pseudonymised": 2}
        assert entry.hash == recomputed_hash(entry)
        assert LAN["citizen_id"] not in json.dumps(entry.details)


async def test_routing_pseudonymises_its_own_copy_of_the_applicant(settings: CommonSettings) -> None:
    now = datetime.now(UTC)
    async with schema_of(settings, "routing") as (schema, connection):
        ended, young = uuid.uuid4(), uuid.uuid4()
        for dossier_id, ended_at in ((ended, now - 2 * YEAR), (young, now - timedelta(days=3))):
            await connection.execute(
                "INSERT INTO dossiers (id, code, procedure_code, commune_code, province_code, applicant, received_at,"
                " status, catalogue_version, updated_at) VALUES ($1, $2, '1.001193', '17179', '40', $3, $4, 'done',"
                " 'v1', $4)",
                dossier_id,
                f"000.01.15.H40-{dossier_id.hex[:6]}-0001",
                json.dumps(LAN),
                ended_at,
            )

        assert await _retention(schema, [ROUTING_APPLICANTS.task(Pseudonyms(KEY), YEAR)], now).run(connection) == 1

        applicants = dict(await connection.fetch("SELECT id, applicant FROM dossiers"))
        assert "Hồ Thị Lan" not in applicants[ended]
        assert Applicant.model_validate_json(applicants[ended]).citizen_id.startswith("000")
        assert json.loads(applicants[young]) == LAN


async def _add_delivery(
    connection: asyncpg.Connection, channel: str, recipient: str, state: str, finished_at: datetime | None
) -> int:
    dossier_id = uuid.uuid4()
    event = {"dossier_id": str(dossier_id), "applicant": LAN, "status": "done"}
    record = {"applicant_id": LAN["citizen_id"], "applicant_name": LAN["full_name"], "status_code": 10}
    return int(
        await connection.fetchval(
            "INSERT INTO deliveries (event_id, channel, dossier_id, dossier_code, status, language, recipient, subject,"
            " message, record, event, state, finished_at, last_error) VALUES ($1, $2, $3, 'X-1', 'done', 'vi', $4,"
            " 'Hồ sơ', $5, $6, $7, $8, $9, $10) RETURNING id",
            uuid.uuid4(),
            channel,
            dossier_id,
            recipient,
            f"Kính gửi ông/bà {LAN['full_name']}",
            json.dumps(record) if channel == "portal" else None,
            json.dumps(event),
            state,
            finished_at,
            f"550 {recipient} refused" if state == "dead-lettered" else None,
        )
    )


async def test_finished_deliveries_are_pruned_and_the_ones_an_audit_record_keeps_are_pseudonymised(
    settings: CommonSettings,
) -> None:
    now = datetime.now(UTC)
    async with schema_of(settings, "notification") as (schema, connection):
        old_plain = await _add_delivery(connection, "sms", LAN["phone"], "delivered", now - 2 * YEAR)
        old_retried = await _add_delivery(connection, "email", LAN["email"], "dead-lettered", now - 2 * YEAR)
        old_portal = await _add_delivery(connection, "portal", "portal", "delivered", now - 2 * YEAR)
        portal_retried = await _add_delivery(connection, "portal", "portal", "dead-lettered", now - 2 * YEAR)
        recent_retried = await _add_delivery(
            connection, "sms", LAN["phone"], "dead-lettered", now - timedelta(days=100)
        )
        young = await _add_delivery(connection, "sms", LAN["phone"], "delivered", now - timedelta(days=5))
        pending = await _add_delivery(connection, "sms", LAN["phone"], "pending", None)
        await connection.execute("UPDATE deliveries SET created_at = $1", now - 3 * YEAR)
        await connection.execute("UPDATE deliveries SET fallback_of = $1 WHERE id = $2", old_plain, old_portal)
        for delivery_id in (old_retried, portal_retried, recent_retried):
            await connection.execute(
                "INSERT INTO delivery_retries (delivery_id, dossier_code, channel, retried_by, reason)"
                " VALUES ($1, 'X-1', 'email', 'ops.an', 'gateway back')",
                delivery_id,
            )
        plan = delivery_retention(timedelta(days=90), YEAR)
        assert plan.pseudonymise is not None
        retention = _retention(schema, [*plan.pseudonymise(Pseudonyms(KEY)), *plan.prune], now)

        await retention.run(connection)

        rows = {r["id"]: dict(r) for r in await connection.fetch("SELECT * FROM deliveries")}
        assert old_portal not in rows, "pruned: nothing refers to it"
        assert set(rows) == {old_plain, old_retried, portal_retried, recent_retried, young, pending}
        for kept in (old_plain, old_retried, portal_retried):
            written = json.dumps({k: str(v) for k, v in rows[kept].items()}, ensure_ascii=False)
            for personal in (LAN["citizen_id"], LAN["full_name"], LAN["phone"], LAN["email"]):
                assert personal not in written, (kept, personal)
            assert rows[kept]["pseudonymised_at"] is not None
        assert rows[old_retried]["recipient"] == Pseudonyms(KEY).recipient("email", LAN["email"])
        assert json.loads(rows[old_plain]["event"])["applicant"] == Pseudonyms(KEY).applicant(LAN)
        record = json.loads(rows[portal_retried]["record"])
        assert record["applicant_id"] == Pseudonyms(KEY).citizen(LAN["citizen_id"]), "the same pseudonym as intake's"
        assert (record["status_code"], rows[portal_retried]["recipient"]) == (10, "portal")
        for untouched in (recent_retried, young, pending):
            assert rows[untouched]["recipient"] == LAN["phone"]
            assert rows[untouched]["pseudonymised_at"] is None
        assert await connection.fetchval("SELECT count(*) FROM delivery_retries") == 3, "the audit stays whole"

        await retention.run(connection)
        assert set(await connection.fetch("SELECT id FROM deliveries")) == {(i,) for i in rows} - {(old_plain,)}, (
            "its fallback gone, the first delivery is pruned by the next pass"
        )


def _recorded(task: RetentionTask, sizes: list[int]) -> RetentionTask:
    async def batch(connection: asyncpg.Connection, before: datetime, limit: int) -> int:
        taken = await task.batch(connection, before, limit)
        sizes.append(taken)
        return taken

    return replace(task, batch=batch)


async def test_kernel_rows_past_their_retention_are_pruned_in_batches_and_the_others_stay(
    settings: CommonSettings,
) -> None:
    now = datetime.now(UTC)
    async with schema_of(settings, "department") as (schema, connection):
        old, young = now - timedelta(days=40), now - timedelta(days=2)
        await connection.executemany(
            "INSERT INTO inbox (consumer, event_id, received_at) VALUES ('c', $1, $2)",
            [(uuid.uuid4(), old) for _ in range(25)] + [(uuid.uuid4(), young) for _ in range(5)],
        )
        await connection.executemany(
            "INSERT INTO outbox (event_id, topic, key, headers, payload, created_at, published_at)"
            " VALUES ($1, 't', 'k', '{}', '{}', $2, $3)",
            [(uuid.uuid4(), old, old), (uuid.uuid4(), old, None), (uuid.uuid4(), young, young)],
        )
        await connection.executemany(
            "INSERT INTO idempotency_keys (client_id, key, request_hash, status_code, response, created_at)"
            " VALUES ('counter', $1, 'h', 202, '{}', $2)",
            [("old", old), ("young", young)],
        )
        sizes: list[int] = []
        tasks = kernel_pruning(inbox=timedelta(days=30), outbox=timedelta(days=7), idempotency_keys=timedelta(days=30))
        retention = _retention(schema, [_recorded(tasks[0], sizes), *tasks[1:]], now, batch=10)

        assert await retention.run(connection) == 25 + 1 + 1

        assert sizes == [10, 10, 5], "no statement takes more than its batch"
        assert await connection.fetchval("SELECT count(*) FROM inbox WHERE received_at > $1", old) == 5
        assert await connection.fetchval("SELECT count(*) FROM inbox") == 5
        assert {r["published_at"] for r in await connection.fetch("SELECT published_at FROM outbox")} == {None, young}
        assert [r["key"] for r in await connection.fetch("SELECT key FROM idempotency_keys")] == ["young"]


async def test_a_row_being_written_is_skipped_not_waited_for(settings: CommonSettings) -> None:
    now = datetime.now(UTC)
    async with schema_of(settings, "department") as (schema, connection):
        ids = [uuid.uuid4() for _ in range(3)]
        await connection.executemany(
            "INSERT INTO inbox (consumer, event_id, received_at) VALUES ('c', $1, $2)",
            [(i, now - timedelta(days=40)) for i in ids],
        )
        writer = await asyncpg.connect(settings.database_url, server_settings={"search_path": schema})
        try:
            async with writer.transaction():
                await writer.execute("SELECT 1 FROM inbox WHERE event_id = $1 FOR UPDATE", ids[0])
                tasks = kernel_pruning(inbox=timedelta(days=30), outbox=YEAR, idempotency_keys=YEAR)
                pruned = await asyncio.wait_for(_retention(schema, tasks, now).run(connection), timeout=10)
            assert pruned == 2
            assert [r["event_id"] for r in await connection.fetch("SELECT event_id FROM inbox")] == [ids[0]]
            assert await _retention(schema, tasks, now).run(connection) == 1, "the next pass takes it"
        finally:
            await writer.close()


async def test_the_retention_worker_pseudonymises_at_its_first_pass_and_on_a_notify(settings: CommonSettings) -> None:
    now = datetime.now(UTC)
    async with schema_of(settings, "intake") as (schema, connection):
        first = await _add_dossier(connection, LAN, "done", now - 2 * YEAR)
        worker_settings = settings.model_copy(update={"retention_poll_seconds": 60})
        tasks = [INTAKE_APPLICANTS.task(Pseudonyms(KEY), YEAR)]
        worker = retention_worker(
            worker_settings, settings.database_url, schema, tasks, clock=lambda: datetime.now(UTC)
        )
        running = asyncio.create_task(worker.run())
        try:

            async def pseudonymised(dossier_id: uuid.UUID) -> bool:
                sql = "SELECT pseudonymised_at IS NOT NULL FROM dossiers WHERE id = $1"
                return bool(await connection.fetchval(sql, dossier_id))

            await eventually(lambda: pseudonymised(first), timeout=15, what="the first pass")
            later = await _add_dossier(connection, MINH, "done", now - 2 * YEAR)
            await connection.execute("SELECT pg_notify('lienthong_retention', $1)", schema)
            await eventually(lambda: pseudonymised(later), timeout=15, what="a pass woken long before its poll")
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
