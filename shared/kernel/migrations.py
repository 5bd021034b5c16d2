"""Applies versioned SQL files to a schema, once each, in name order.

Every schema first gets ``shared/kernel/sql/base`` (what any schema needs, e.g. the trigger
function of insert-only tables); a service's schema then the shared plumbing tables of
``shared/kernel/sql`` (outbox, inbox, journal…), then the service's own files.

With ``roles`` the files run as the schema's owner role and the service's login role is
granted its tables afterwards (:mod:`shared.kernel.db_grants`); without, they run as the
connecting role (tests of kernel pieces in scratch schemas).
"""

import logging
from pathlib import Path

import asyncpg

from shared.kernel.db_grants import grant_tables, prepare_schema
from shared.kernel.db_roles import SchemaRoles

SHARED_SQL = Path(__file__).parent / "sql"
BASE_SQL = SHARED_SQL / "base"
log = logging.getLogger(__name__)


async def migrate(
    dsn: str, schema: str, service_sql: Path, *, kernel_tables: bool = True, roles: SchemaRoles | None = None
) -> list[str]:
    """Bring ``schema`` up to date; returns the versions applied now.

    ``kernel_tables`` False leaves out the outbox and inbox (a schema of no service, e.g. the operators').
    """
    connection = await asyncpg.connect(dsn)
    try:
        # Serialises concurrent starts of several instances of the same service.
        await connection.execute("SELECT pg_advisory_lock(hashtext($1))", f"migrate:{schema}")
        if roles is not None:
            await prepare_schema(connection, roles)  # makes the schema, then runs as its owner
        else:
            await connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        await connection.execute(f'SET search_path TO "{schema}"')
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r["version"] for r in await connection.fetch("SELECT version FROM schema_migrations")}
        applied = []
        folders = [("base", BASE_SQL), *([("shared", SHARED_SQL)] if kernel_tables else []), (schema, service_sql)]
        for label, folder in folders:
            for file in sorted(folder.glob("*.sql")):
                version = f"{label}/{file.name}"
                if version in done:
                    continue
                async with connection.transaction():
                    await connection.execute(file.read_text(encoding="utf-8"))
                    await connection.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
                log.info("applied migration %s to schema %s", version, schema)
                applied.append(version)
        if roles is not None:
            await grant_tables(connection, roles)
        return applied
    finally:
        await connection.execute("RESET ROLE")
        await connection.execute("SELECT pg_advisory_unlock_all()")
        await connection.close()
