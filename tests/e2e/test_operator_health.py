"""Readiness really asks the database and the broker: without either a service answers 503, and says why.

Each test runs a notification instance of its own on a database and topic prefix nobody
else uses; the broker test also gives it a Kafka broker of its own, to stop.
"""

import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from stack import REPO, ServiceStack
from standins.ports import free_port

from shared.kernel.settings import CommonSettings
from tests.support.kafka import Principals
from tests.support.waiting import eventually


@pytest.fixture
def private_kafka(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A second single-node Kafka from deploy/local/kafka.sh, on free ports, sharing the installed jars."""
    local = tmp_path / "local"
    (local / "kafka").mkdir(parents=True)
    main_local = Path(os.environ.get("LIENTHONG_LOCAL_DIR", REPO / ".local"))
    (local / "kafka" / "libs").symlink_to(main_local / "kafka" / "libs")
    env = {
        **os.environ,
        "LIENTHONG_LOCAL_DIR": str(local),
        "LIENTHONG_KAFKA_PORT": str(free_port()),
        "LIENTHONG_KAFKA_CONTROLLER_PORT": str(free_port()),
    }
    kafka = str(REPO / "deploy/local/kafka.sh")
    subprocess.run([kafka, "start"], env=env, check=True)
    try:
        yield env
    finally:
        subprocess.run([kafka, "stop"], env=env, check=True)


async def _lone_notification(
    settings: CommonSettings, settings_env: dict[str, str], run_dir: Path, principals: Principals, **overrides: str
) -> AsyncIterator[tuple[ServiceStack, str]]:
    """Notification on a database of its own and a topic prefix whose topics and ACLs ``principals``' admin made."""
    database = f"lienthong_ready_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(settings.database_url)
    await admin.execute(f'CREATE DATABASE "{database}"')
    env = {
        **settings_env,
        "LIENTHONG_DATABASE_URL": settings.database_url.rsplit("/", 1)[0] + f"/{database}",
        "LIENTHONG_TOPIC_PREFIX": f"{settings.topic_prefix}ready-{uuid.uuid4().hex[:6]}.",
        **overrides,
    }
    broker = settings.model_copy(update={"kafka_bootstrap_servers": env["LIENTHONG_KAFKA_BOOTSTRAP_SERVERS"]})
    await principals.provision(broker, env["LIENTHONG_TOPIC_PREFIX"])
    lone = ServiceStack(run_dir, env=env, ports={"notification": free_port()}, service_env=principals.services_env())
    lone.start()
    try:
        lone.wait_ready()
        yield lone, database
    finally:
        lone.stop()
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()


async def _not_ready(http: httpx.AsyncClient, url: str) -> dict[str, str]:
    async def probe() -> httpx.Response | None:
        response = await http.get(f"{url}/readyz")
        return response if response.status_code == 503 else None

    answer: dict[str, str] = (await eventually(probe, what=f"{url}/readyz to answer 503")).json()
    assert answer["status"] == "not ready"
    assert (await http.get(f"{url}/healthz")).status_code == 200, "liveness does not depend on either"
    return answer


async def test_readiness_fails_when_the_database_is_gone(
    settings: CommonSettings,
    settings_env: dict[str, str],
    kafka_principals: Principals,
    tmp_path: Path,
    http: httpx.AsyncClient,
) -> None:
    async for lone, database in _lone_notification(settings, settings_env, tmp_path, kafka_principals):
        url = lone.url("notification")
        assert (await http.get(f"{url}/readyz")).json() == {"status": "ready", "database": "ok", "broker": "ok"}
        admin = await asyncpg.connect(settings.database_url)
        try:
            await admin.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
        finally:
            await admin.close()
        answer = await _not_ready(http, url)
        assert answer["database"].startswith("failed")
        assert answer["broker"] == "ok"


async def test_readiness_fails_when_the_broker_is_gone(
    settings: CommonSettings,
    settings_env: dict[str, str],
    private_kafka: dict[str, str],
    tmp_path: Path,
    http: httpx.AsyncClient,
) -> None:
    bootstrap = f"127.0.0.1:{private_kafka['LIENTHONG_KAFKA_PORT']}"
    own = Principals.of(Path(private_kafka["LIENTHONG_LOCAL_DIR"]))
    async for lone, _database in _lone_notification(
        settings, settings_env, tmp_path / "run", own, LIENTHONG_KAFKA_BOOTSTRAP_SERVERS=bootstrap
    ):
        url = lone.url("notification")
        assert (await http.get(f"{url}/readyz")).json()["broker"] == "ok"
        subprocess.run([str(REPO / "deploy/local/kafka.sh"), "stop"], env=private_kafka, check=True)
        answer = await _not_ready(http, url)
        assert answer["broker"] == "failed"
        assert answer["database"] == "ok"
