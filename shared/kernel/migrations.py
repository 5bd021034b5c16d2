"""Applies versioned SQL files to a service's schema, once each, in name order.

The shared plumbing tables (outbox, inbox) come from ``shared/kernel/sql`` and are applied
to every service's schema before the service's own files.
"""

import logging
from pathlib import Path

import asyncpg

SHARED_SQL = Path(__file__).parent / "sql"
log = logging.getLogger(__name__)


async def migrate(dsn: str, schema: str, service_sql: Path, *, kernel_tables: bool = True) -> list[str]:
    """Bring ``schema`` up to date; returns the versions applied now.

    ``kernel_tables`` False leaves out the outbox and inbox (a schema of no service, e.g. the operators').
    """
    connection = await asyncpg.connect(dsn)
    try:
        # Serialises concurrent starts of several instances of the same service.
        await connection.execute("SELECT pg_advisory_lock(hashtext($1))", f"migrate:{schema}")
        await connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        await connection.execute(f'SET search_path TO "{schema}"')
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r["version"] for r in await connection.fetch("SELECT version FROM schema_migrations")}
        applied = []
        folders = (("shared", SHARED_SQL), (schema, service_sql)) if kernel_tables else ((schema, service_sql),)
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
        return applied
    finally:
        await connection.execute("SELECT pg_advisory_unlock_all()")
        await connection.close()
