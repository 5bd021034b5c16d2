"""The running services connect to PostgreSQL as their own login roles, never as the migration login."""

import asyncpg
from stack import ServiceStack

from shared.kernel.settings import CommonSettings


async def test_each_service_is_connected_as_its_own_role(stack: ServiceStack, settings: CommonSettings) -> None:
    database = settings.database_url.rsplit("/", 1)[1]
    async with asyncpg.create_pool(settings.database_url, min_size=1, max_size=1) as admin:
        # The services' pools only: the test harness keeps pools of its own in the same database.
        rows = await admin.fetch(
            "SELECT application_name, usename FROM pg_stat_activity WHERE datname = $1 AND application_name = ANY($2)",
            database,
            [f"lienthong-{name}" for name in stack.ports],
        )
    logins: dict[str, set[str]] = {}
    for row in rows:  # a pool's connections are named after its schema
        logins.setdefault(row["application_name"].removeprefix("lienthong-"), set()).add(row["usename"])
    assert logins == {name: {f"lienthong_{name}"} for name in stack.ports}
