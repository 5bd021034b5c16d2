"""The operators' own schema, ``operations``, and the CLI's connection to it.

The CLI migrates it (as ``lienthong_operations_owner``, with the migration login of
``LIENTHONG_DATABASE_URL``) and then works in it as its own login role,
``lienthong_operations``, which can use no service's schema. Besides the record of replays it
holds a journal (the kernel's tables): each replay is an entry of chain ``service:operations``.
"""

from pathlib import Path

import asyncpg

from shared.kernel.db_roles import login_dsn, schema_roles
from shared.kernel.migrations import migrate
from shared.kernel.settings import CommonSettings

SCHEMA = "operations"
MIGRATIONS = Path(__file__).parent / "migrations"
"""The record of replays, applied by the kernel's migration runner."""


async def connect(settings: CommonSettings) -> asyncpg.Connection:
    """A connection as the CLI's own role to its schema, brought up to date first."""
    roles = schema_roles(settings, SCHEMA)
    await migrate(settings.database_url, SCHEMA, MIGRATIONS, kernel_tables=False, journal=True, roles=roles)
    # The journal's statements name its tables unqualified, as in a service's schema.
    return await asyncpg.connect(login_dsn(settings, SCHEMA), server_settings={"search_path": SCHEMA})
