"""What a migration run grants: the schema to its owner role, its tables to its login role.

Run by :func:`shared.kernel.migrations.migrate` on the migration connection, in two steps
around the schema's SQL files:

1. :func:`prepare_schema`, as the migration login: CONNECT on the database for the login
   role, the schema owned by the owner role (a schema made before roles existed is adopted,
   with everything in it), no rights for PUBLIC, USAGE for the login role, default
   privileges so that tables later migrations create are the login role's to use; then
   ``SET ROLE`` to the owner, as whom the files run.
2. :func:`grant_tables`, as the owner: SELECT, INSERT, UPDATE, DELETE on every table
   (TRUNCATE never), and then only INSERT and SELECT on the insert-only ones.

A table is insert-only when a trigger on it calls a function whose name ends in
``refuse_change`` (``refuse_change()`` of ``shared/kernel/sql/base``, the journal's
``journal_refuse_change()``): the trigger stops even the owner, the missing privileges stop
the service before the trigger is reached.
"""

import asyncpg

from shared.kernel.db_roles import SchemaRoles

TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
SEQUENCE_RIGHTS = "USAGE, SELECT"
INSERT_ONLY_REFUSED = "UPDATE, DELETE, TRUNCATE"


class MissingRolesError(RuntimeError):
    """The schema's roles do not exist, or the migration login may not act as its owner."""


async def prepare_schema(connection: asyncpg.Connection, roles: SchemaRoles) -> None:
    """Own, lock down and grant ``roles.schema``, then become its owner role (see the module's docstring)."""
    await _check_roles(connection, roles)
    database = await connection.fetchval("SELECT current_database()")
    # Concurrent GRANTs on one database row fail ("tuple concurrently updated"): one service at a time.
    await connection.execute("SELECT pg_advisory_lock(hashtext('migrate:database grants'))")
    try:
        await connection.execute(f"REVOKE CONNECT, TEMPORARY ON DATABASE {_id(database)} FROM PUBLIC")
        await connection.execute(f"GRANT CONNECT ON DATABASE {_id(database)} TO {_id(roles.login)}")
        await connection.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
    finally:
        await connection.execute("SELECT pg_advisory_unlock(hashtext('migrate:database grants'))")
    schema, owner, login = _id(roles.schema), _id(roles.owner), _id(roles.login)
    await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {owner}")
    await _adopt(connection, roles)
    await connection.execute(f"REVOKE ALL ON SCHEMA {schema} FROM PUBLIC")
    await connection.execute(f"GRANT USAGE ON SCHEMA {schema} TO {login}")
    for kind, rights in (("TABLES", TABLE_RIGHTS), ("SEQUENCES", SEQUENCE_RIGHTS)):
        await connection.execute(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} GRANT {rights} ON {kind} TO {login}"
        )
    await connection.execute(f"SET ROLE {owner}")


async def grant_tables(connection: asyncpg.Connection, roles: SchemaRoles) -> list[str]:
    """Grant the login role its tables, insert-only ones for INSERT and SELECT only; returns the insert-only ones."""
    schema, login = _id(roles.schema), _id(roles.login)
    await connection.execute(f"GRANT {TABLE_RIGHTS} ON ALL TABLES IN SCHEMA {schema} TO {login}")
    await connection.execute(f"GRANT {SEQUENCE_RIGHTS} ON ALL SEQUENCES IN SCHEMA {schema} TO {login}")
    insert_only = await insert_only_tables(connection, roles.schema)
    for table in insert_only:
        await connection.execute(f"REVOKE {INSERT_ONLY_REFUSED} ON {schema}.{_id(table)} FROM {login}")
    return insert_only


async def insert_only_tables(connection: asyncpg.Connection, schema: str) -> list[str]:
    """The tables of ``schema`` a ``…refuse_change`` trigger guards."""
    rows = await connection.fetch(
        "SELECT DISTINCT c.relname FROM pg_trigger t"
        " JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid"
        " WHERE c.relnamespace = to_regnamespace($1) AND NOT t.tgisinternal AND p.proname LIKE '%refuse\\_change'"
        " ORDER BY c.relname",
        schema,
    )
    return [r["relname"] for r in rows]


async def _check_roles(connection: asyncpg.Connection, roles: SchemaRoles) -> None:
    existing = {
        r["rolname"]
        for r in await connection.fetch(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])", [roles.login, roles.owner]
        )
    }
    missing = sorted({roles.login, roles.owner} - existing)
    if missing:
        raise MissingRolesError(
            f"database role(s) {', '.join(missing)} of schema {roles.schema} do not exist: create them"
            " (locally deploy/local/postgres.sh start does; see docs/security.md, Database roles)"
        )
    if not await connection.fetchval("SELECT pg_has_role(current_user, $1, 'MEMBER')", roles.owner):
        raise MissingRolesError(
            f"the migration login may not act as {roles.owner}: GRANT {roles.owner} TO <the migration login>"
        )


async def _adopt(connection: asyncpg.Connection, roles: SchemaRoles) -> None:
    """Give the owner role a schema, and what is in it, made by another role (before the roles existed)."""
    owner = _id(roles.owner)
    # First the schema: a new owner of a table must be allowed to create in its schema.
    await connection.execute(f"ALTER SCHEMA {_id(roles.schema)} OWNER TO {owner}")
    found = await connection.fetch(
        "SELECT c.oid::regclass::text AS name, c.relkind FROM pg_class c"
        " WHERE c.relnamespace = to_regnamespace($1) AND c.relowner <> to_regrole($2)"
        " AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') ORDER BY c.relkind = 'S'",
        roles.schema,
        roles.owner,
    )
    for relation in found:
        if relation["relkind"] == "S":  # a column's sequence has already followed its table
            still = await connection.fetchval(
                "SELECT relowner <> to_regrole($2) FROM pg_class WHERE oid = $1::regclass",
                relation["name"],
                roles.owner,
            )
            if not still:
                continue
            await connection.execute(f"ALTER SEQUENCE {relation['name']} OWNER TO {owner}")
        else:
            await connection.execute(f"ALTER TABLE {relation['name']} OWNER TO {owner}")
    routines = await connection.fetch(
        "SELECT p.oid::regprocedure::text AS name FROM pg_proc p"
        " WHERE p.pronamespace = to_regnamespace($1) AND p.proowner <> to_regrole($2)",
        roles.schema,
        roles.owner,
    )
    for routine in routines:
        await connection.execute(f"ALTER ROUTINE {routine['name']} OWNER TO {owner}")


def _id(name: str) -> str:
    """``name`` quoted as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'
