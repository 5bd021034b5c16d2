"""Least privilege in PostgreSQL: each service's own login role, its owner role, insert-only history.

The schemas are migrated, as the services migrate them, into a database of this module's own,
and then used through the roles ``deploy/local/postgres.sh`` made (passwords from its password file).
"""

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from services.registry import entry
from shared.kernel.db_roles import login_dsn, schema_roles
from shared.kernel.migrations import migrate
from shared.kernel.settings import CommonSettings
from tests.support.scratch_database import scratch_database

OPERATIONS_MIGRATIONS = Path(__file__).resolve().parents[2] / "operations" / "migrations"
HISTORY_ROW = (
    "INSERT INTO task_history (task_id, unit_code, dossier_code, action, actor, by_clerk, status_after, version, at)"
    " VALUES (gen_random_uuid(), 'U1', '000.01.15.H40-261202-0001', 'claimed', 'clerk:a', true, 'claimed', 1, now())"
)
RIGHTS = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
CHANGES = ("UPDATE task_history SET actor = 'clerk:someone-else'", "DELETE FROM task_history", "TRUNCATE task_history")


@pytest.fixture(scope="module")
async def own(settings: CommonSettings) -> AsyncIterator[CommonSettings]:
    """Settings pointing at a database of this module's own."""
    async with scratch_database(settings.database_url, "roles") as url:
        yield settings.model_copy(update={"database_url": url})


async def _migrated(settings: CommonSettings, service: str) -> None:
    await migrate(settings.database_url, service, entry(service).migrations, roles=schema_roles(settings, service))


async def _each_refused(connection: asyncpg.Connection, reason: str) -> None:
    for statement in CHANGES:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match=reason):
            await connection.execute(statement)


async def _may(admin: asyncpg.Connection, role: str, table: str, right: str) -> bool:
    return bool(await admin.fetchval("SELECT has_table_privilege($1, $2, $3)", role, table, right))


async def _as(settings: CommonSettings, schema: str) -> asyncpg.Connection:
    return await asyncpg.connect(login_dsn(settings, schema), server_settings={"search_path": schema})


async def test_connected_as_routing_reading_intake_dossiers_is_refused(own: CommonSettings) -> None:
    await _migrated(own, "intake")
    await _migrated(own, "routing")
    routing = await _as(own, "routing")
    try:
        assert await routing.fetchval("SELECT current_user") == "lienthong_routing"
        assert await routing.fetchval("SELECT count(*) FROM routing.dossiers") == 0
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="schema intake"):
            await routing.fetch("SELECT * FROM intake.dossiers")
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="schema public"):
            await routing.execute("CREATE TABLE public.smuggled (x int)")
    finally:
        await routing.close()


async def test_the_department_role_adds_history_but_cannot_change_or_remove_it(own: CommonSettings) -> None:
    await _migrated(own, "department")
    department = await _as(own, "department")
    try:
        await department.execute(HISTORY_ROW)
        await _each_refused(department, "permission denied for table task_history")
        assert await department.fetchval("SELECT actor FROM task_history") == "clerk:a"
    finally:
        await department.close()


async def test_even_the_owner_role_is_stopped_by_the_trigger(own: CommonSettings) -> None:
    await _migrated(own, "department")
    owner = await asyncpg.connect(own.database_url, server_settings={"search_path": "department"})
    try:
        await owner.execute("SET ROLE lienthong_department_owner")
        await owner.execute(HISTORY_ROW)
        await _each_refused(owner, "task_history refused: the table is insert-only")
    finally:
        await owner.close()


async def test_every_history_and_audit_table_is_insert_only_for_its_service(own: CommonSettings) -> None:
    expected = {
        "intake": {"dossier_history", "journal", "journal_seals", "journal_seal_heads"},
        "routing": {"routing_audit", "journal", "journal_seals", "journal_seal_heads"},
        "department": {"task_history", "journal", "journal_seals", "journal_seal_heads"},
        "notification": {"delivery_retries", "journal", "journal_seals", "journal_seal_heads"},
    }
    admin = await asyncpg.connect(own.database_url)
    try:
        for service, tables in expected.items():
            await _migrated(own, service)
            login = schema_roles(own, service).login
            for table in tables:
                allowed = {right for right in RIGHTS if await _may(admin, login, f"{service}.{table}", right)}
                assert allowed == {"SELECT", "INSERT"}, (service, table)
            assert await _may(admin, login, f"{service}.outbox", "UPDATE")
    finally:
        await admin.close()


async def test_a_table_a_later_migration_adds_is_the_service_roles_to_use(own: CommonSettings, tmp_path: Path) -> None:
    for file in OPERATIONS_MIGRATIONS.glob("*.sql"):
        shutil.copy(file, tmp_path)
    roles = schema_roles(own, "operations")
    await migrate(own.database_url, "operations", tmp_path, kernel_tables=False, roles=roles)
    (tmp_path / "0099_notes.sql").write_text("CREATE TABLE notes (id serial PRIMARY KEY, text text NOT NULL);")

    applied = await migrate(own.database_url, "operations", tmp_path, kernel_tables=False, roles=roles)

    assert applied == ["operations/0099_notes.sql"]
    operations = await _as(own, "operations")
    try:
        await operations.execute("INSERT INTO notes (text) VALUES ('first'), ('second')")
        await operations.execute("UPDATE notes SET text = 'changed' WHERE id = 1")
        await operations.execute("DELETE FROM notes WHERE id = 2")
        assert [r["text"] for r in await operations.fetch("SELECT text FROM notes")] == ["changed"]
        owners = await operations.fetch("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'operations'")
        assert [r["tableowner"] for r in owners] == ["lienthong_operations_owner"]
    finally:
        await operations.close()


async def test_a_schema_made_before_the_roles_is_adopted_by_its_owner_role(own: CommonSettings) -> None:
    notification = entry("notification").migrations
    await migrate(own.database_url, "notification", notification)  # as the migration login, like before roles

    await _migrated(own, "notification")

    admin = await asyncpg.connect(own.database_url)
    try:
        owners = await admin.fetch(
            "SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class"
            " WHERE relnamespace = 'notification'::regnamespace"
        )
        assert [r["owner"] for r in owners] == ["lienthong_notification_owner"]
        schema_owner = "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'notification'"
        assert await admin.fetchval(schema_owner) == "lienthong_notification_owner"
    finally:
        await admin.close()
    service = await _as(own, "notification")
    try:
        await service.execute(
            "INSERT INTO outbox (event_id, topic, key, headers, payload)"
            " VALUES (gen_random_uuid(), 't', 'k', '{}', '{}')"
        )
        await service.execute("UPDATE outbox SET published_at = now()")
    finally:
        await service.close()
