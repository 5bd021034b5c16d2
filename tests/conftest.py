"""Fixtures shared by the integration and end-to-end tiers.

They start the real Kafka and PostgreSQL through ``deploy/local/up.sh`` (reusing them
when already running), and give each test run its own database and topic prefix so
runs never see each other's data.
"""

import os
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from shared.kernel.settings import CommonSettings

REPO = Path(__file__).resolve().parents[1]
RUN_ID = uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def infrastructure() -> None:
    """Kafka and PostgreSQL, started by the project's own scripts."""
    if os.environ.get("LIENTHONG_SKIP_UP") != "1":
        subprocess.run([str(REPO / "deploy/local/up.sh")], check=True)


@pytest.fixture(scope="session")
async def settings(infrastructure: None) -> AsyncIterator[CommonSettings]:
    """Settings pointing at a fresh database and topic prefix for this test run."""
    base = CommonSettings()
    database = f"lienthong_test_{RUN_ID}"
    admin = await asyncpg.connect(base.database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()
    url = base.database_url.rsplit("/", 1)[0] + f"/{database}"
    prefix = f"test-{RUN_ID}."
    yield base.model_copy(update={"database_url": url, "topic_prefix": prefix})
    admin = await asyncpg.connect(base.database_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await admin.close()
    await _delete_topics_of_the_run(base.kafka_bootstrap_servers, prefix)


async def _delete_topics_of_the_run(bootstrap_servers: str, prefix: str) -> None:
    """The run's topics go with its database, so a broker used for many runs stays small."""
    kafka = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await kafka.start()
    try:
        ours = [topic for topic in await kafka.list_topics() if topic.startswith(prefix)]
        if ours:
            await kafka.delete_topics(ours)
    finally:
        await kafka.close()


@pytest.fixture(scope="session")
def settings_env(settings: CommonSettings) -> dict[str, str]:
    """The same settings as environment variables, for child processes."""
    return {
        "LIENTHONG_DATABASE_URL": settings.database_url,
        "LIENTHONG_TOPIC_PREFIX": settings.topic_prefix,
        "LIENTHONG_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
    }
