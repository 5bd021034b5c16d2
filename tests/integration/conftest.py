"""Integration fixtures: the real PostgreSQL and Kafka, used in-process."""

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from shared.kernel.db import create_pool
from shared.kernel.migrations import migrate
from shared.kernel.settings import CommonSettings

SERVICES = Path(__file__).resolve().parents[2] / "services"


@pytest.fixture(scope="session")
async def intake_pool(settings: CommonSettings) -> AsyncIterator[asyncpg.Pool]:
    """Intake's tables in a schema of their own, apart from the end-to-end tests' services."""
    await migrate(settings.database_url, "it_intake", SERVICES / "intake" / "migrations")
    pool = await create_pool(settings.database_url, "it_intake")
    yield pool
    await pool.close()
