"""Versioned migrations: applied once, in order, to the service's own schema."""

from pathlib import Path

import asyncpg

from operations import dead_letters
from shared.kernel.migrations import BASE_SQL, SHARED_SQL, migrate
from shared.kernel.settings import CommonSettings


async def test_migrations_apply_once_into_their_own_schema(settings: CommonSettings, tmp_path: Path) -> None:
    (tmp_path / "0001_things.sql").write_text("CREATE TABLE things (id int PRIMARY KEY);")
    (tmp_path / "0002_more.sql").write_text("ALTER TABLE things ADD COLUMN name text;")

    first = await migrate(settings.database_url, "it_migrations", tmp_path)
    second = await migrate(settings.database_url, "it_migrations", tmp_path)

    kernel = [f"shared/{file.name}" for file in sorted(SHARED_SQL.glob("*.sql"))]
    assert kernel[:3] == ["shared/0001_outbox_inbox.sql", "shared/0002_idempotency_keys.sql", "shared/0003_journal.sql"]
    base = [f"base/{file.name}" for file in sorted(BASE_SQL.glob("*.sql"))]
    assert first == [
        *base,
        *kernel,
        "it_migrations/0001_things.sql",
        "it_migrations/0002_more.sql",
    ]
    assert second == []
    connection = await asyncpg.connect(settings.database_url)
    try:
        tables = {
            r["table_name"]
            for r in await connection.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'it_migrations'"
            )
        }
    finally:
        await connection.close()
    kernel_tables = {"outbox", "inbox", "idempotency_keys", "journal", "journal_seals", "journal_seal_heads"}
    assert {"things", "schema_migrations"} | kernel_tables <= tables


async def test_a_failing_migration_leaves_nothing_half_applied(settings: CommonSettings, tmp_path: Path) -> None:
    (tmp_path / "0001_broken.sql").write_text("CREATE TABLE half (id int); SELECT no_such_function();")
    try:
        await migrate(settings.database_url, "it_broken", tmp_path)
    except asyncpg.UndefinedFunctionError:
        pass
    else:
        raise AssertionError("the broken migration should fail")
    connection = await asyncpg.connect(settings.database_url, server_settings={"search_path": "it_broken"})
    try:
        assert await connection.fetchval("SELECT to_regclass('it_broken.half')") is None
        versions = {r["version"] for r in await connection.fetch("SELECT version FROM schema_migrations")}
    finally:
        await connection.close()
    assert "it_broken/0001_broken.sql" not in versions


async def test_the_operators_schema_comes_from_its_migrations_without_the_kernel_tables(
    settings: CommonSettings,
) -> None:
    schema = "it_operations"

    applied = await migrate(settings.database_url, schema, dead_letters.MIGRATIONS, kernel_tables=False)

    assert applied == [
        "base/0001_refuse_change.sql",
        f"{schema}/0001_dead_letter_replays.sql",
        f"{schema}/0002_insert_only_history.sql",
    ]
    connection = await asyncpg.connect(settings.database_url)
    try:
        tables = {
            r["table_name"]
            for r in await connection.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema
            )
        }
    finally:
        await connection.close()
    assert tables == {"dead_letter_replays", "schema_migrations"}
