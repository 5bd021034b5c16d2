"""``python -m services.migrate``: apply every service's migrations to the configured database."""

import asyncio

from services.registry import SERVICES
from shared.kernel.migrations import migrate
from shared.kernel.settings import CommonSettings


async def migrate_all(settings: CommonSettings) -> None:
    for service in SERVICES:
        applied = await migrate(settings.database_url, service.name, service.migrations)
        print(f"{service.name}: {', '.join(applied) if applied else 'up to date'}")


if __name__ == "__main__":
    asyncio.run(migrate_all(CommonSettings()))
