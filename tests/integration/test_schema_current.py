"""A service that does not migrate (``LIENTHONG_MIGRATE_ON_START=false``) checks its schema is current instead."""

from pathlib import Path

import asyncpg
import pytest

from shared.kernel.migrations import SchemaBehindError, check_current, migrate
from shared.kernel.settings import CommonSettings


async def test_a_schema_behind_the_code_is_refused_naming_what_it_lacks(
    settings: CommonSettings, tmp_path: Path
) -> None:
    (tmp_path / "0001_things.sql").write_text("CREATE TABLE things (id int PRIMARY KEY);")
    await migrate(settings.database_url, "it_current", tmp_path)
    connection = await asyncpg.connect(settings.database_url)
    try:
        await check_current(connection, "it_current", tmp_path)  # up to date: nothing to say

        (tmp_path / "0002_more.sql").write_text("ALTER TABLE things ADD COLUMN name text;")
        with pytest.raises(SchemaBehindError, match=r"it_current lacks 1 migration\(s\) \(it_current/0002_more.sql\)"):
            await check_current(connection, "it_current", tmp_path)

        with pytest.raises(SchemaBehindError, match="it_never_migrated lacks"):
            await check_current(connection, "it_never_migrated", tmp_path)
    finally:
        await connection.close()
