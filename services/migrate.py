"""``python -m services.migrate``: apply every service's migrations to the configured database.

It connects with ``LIENTHONG_DATABASE_URL``'s login and runs each schema's files as that
schema's owner role (``lienthong_<service>_owner``), then grants the service's own login role
its tables (``shared/kernel/db_grants.py``).
"""

import asyncio

from services.registry import SERVICES
from shared.kernel.db_roles import schema_roles
from shared.kernel.migrations import migrate
from shared.kernel.settings import CommonSettings


async def migrate_all(settings: CommonSettings) -> None:
    for service in SERVICES:
        roles = schema_roles(settings, service.name)
        applied = await migrate(settings.database_url, service.name, service.migrations, roles=roles)
        print(f"{service.name}: {', '.join(applied) if applied else 'up to date'}")


if __name__ == "__main__":
    asyncio.run(migrate_all(CommonSettings()))
