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
JOURNAL_SQL = SHARED_SQL / "0003_journal.sql"
"""The journal's tables, which a schema of no service may take alone (``journal=True``)."""
log = logging.getLogger(__name__)


async def migrate(
    dsn: str,
    schema: str,
    service_sql: Path,
    *,
    kernel_tables: bool = True,
    journal: bool = False,
    roles: SchemaRoles | None = None,
) -> list[str]:
    """Bring ``schema`` up to date; returns the versions applied now.

    ``kernel_tables`` False leaves out the outbox and inbox (a schema of no service, e.g. the operators');
    with ``journal`` it still gets the journal's tables (the same file and version as a service's).
    """
    files = _files(schema, service_sql, kernel_tables=kernel_tables, journal=journal)
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
        for label, file in files:
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


class SchemaBehindError(RuntimeError):
    """The schema lacks migrations the code needs, and this process is not the one to apply them."""


async def check_current(connection: asyncpg.Connection, schema: str, service_sql: Path) -> None:
    """Raise :class:`SchemaBehindError` naming the versions ``schema`` lacks (a service that does not migrate)."""
    wanted = [f"{label}/{file.name}" for label, file in _files(schema, service_sql, kernel_tables=True, journal=False)]
    try:
        done = {r["version"] for r in await connection.fetch(f'SELECT version FROM "{schema}".schema_migrations')}
    except asyncpg.UndefinedTableError:
        done = set()
    missing = [version for version in wanted if version not in done]
    if missing:
        raise SchemaBehindError(
            f"schema {schema} lacks {len(missing)} migration(s) ({', '.join(missing[:3])}"
            f"{', …' if len(missing) > 3 else ''}): run `python -m services.migrate` with the migrating login"
        )


def _files(schema: str, service_sql: Path, *, kernel_tables: bool, journal: bool) -> list[tuple[str, Path]]:
    """Each file to apply with the label of its version, in order: base, kernel, the schema's own."""
    kernel = sorted(SHARED_SQL.glob("*.sql")) if kernel_tables else [JOURNAL_SQL] if journal else []
    return [
        *(("base", f) for f in sorted(BASE_SQL.glob("*.sql"))),
        *(("shared", f) for f in kernel),
        *((schema, f) for f in sorted(service_sql.glob("*.sql"))),
    ]
