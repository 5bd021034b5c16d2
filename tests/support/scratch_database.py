"""A database of one test module's own, on the run's server, dropped afterwards."""

import contextlib
from collections.abc import AsyncIterator

import asyncpg


async def as_admin(database_url: str, statement: str) -> None:
    """Run one statement with the migration login of ``database_url``."""
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def scratch_database(database_url: str, suffix: str) -> AsyncIterator[str]:
    """The address of a new database named after ``database_url``'s with ``suffix``; dropped on exit."""
    server, name = database_url.rsplit("/", 1)
    scratch = f"{name}_{suffix}"
    await as_admin(database_url, f'CREATE DATABASE "{scratch}"')
    try:
        yield f"{server}/{scratch}"
    finally:
        await as_admin(database_url, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
