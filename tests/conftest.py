"""Fixtures shared by the integration and end-to-end tiers.

They start the real Kafka and PostgreSQL through ``deploy/local/up.sh`` (reusing them
when already running), and give each test run its own database and topic prefix so
runs never see each other's data. The broker authenticates every client: ``settings``
connects as its super user ``admin`` (and the run's topics and ACLs are created with it,
as a deployment's administrator would); a service or the operator CLI started by a test
connects as its own principal, from ``kafka_principals``.
"""

import os
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from kafka_principals import ADMIN, local_dir

from shared.kernel.kafka_connection import kafka_connection
from shared.kernel.settings import CommonSettings
from tests.support.kafka import Principals

REPO = Path(__file__).resolve().parents[1]
RUN_ID = uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def infrastructure() -> None:
    """Kafka and PostgreSQL, started by the project's own scripts."""
    if os.environ.get("LIENTHONG_SKIP_UP") != "1":
        subprocess.run([str(REPO / "deploy/local/up.sh")], check=True)


@pytest.fixture(scope="session")
def kafka_principals(infrastructure: None) -> Principals:
    """The local broker's principals (none to use when the caller set ``LIENTHONG_KAFKA_USERNAME`` itself)."""
    if CommonSettings().kafka_username:
        return Principals(None)
    return Principals.of(local_dir())


@pytest.fixture(scope="session")
async def settings(kafka_principals: Principals) -> AsyncIterator[CommonSettings]:
    """Settings pointing at a fresh database and topic prefix for this test run, on Kafka as ``admin``."""
    base = kafka_principals.settings(CommonSettings(), ADMIN)
    database = f"lienthong_test_{RUN_ID}"
    admin = await asyncpg.connect(base.database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()
    url = base.database_url.rsplit("/", 1)[0] + f"/{database}"
    prefix = f"test-{RUN_ID}."
    await kafka_principals.provision(base, prefix)
    yield base.model_copy(update={"database_url": url, "topic_prefix": prefix})
    admin = await asyncpg.connect(base.database_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await admin.close()
    await _delete_topics_of_the_run(base, prefix, kafka_principals)


async def _delete_topics_of_the_run(settings: CommonSettings, prefix: str, principals: Principals) -> None:
    """The run's topics and their ACLs go with its database, so a broker used for many runs stays small."""
    kafka = AIOKafkaAdminClient(**kafka_connection(settings))
    await kafka.start()
    try:
        ours = [topic for topic in await kafka.list_topics() if topic.startswith(prefix)]
        await principals.revoke(settings, prefix, ours)
        if ours:
            await kafka.delete_topics(ours)
    finally:
        await kafka.close()


@pytest.fixture(scope="session")
def settings_env(settings: CommonSettings) -> dict[str, str]:
    """The same settings as environment variables, for child processes, without a Kafka principal (each process
    has its own: ``kafka_principals``)."""
    return {
        "LIENTHONG_DATABASE_URL": settings.database_url,
        "LIENTHONG_TOPIC_PREFIX": settings.topic_prefix,
        "LIENTHONG_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
    }
