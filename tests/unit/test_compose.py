"""docker-compose.yml runs the same stack: same Kafka version, settings that reach the compose hosts."""

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from services.intake.settings import IntakeSettings
from shared.settings import CommonSettings

REPO = Path(__file__).resolve().parents[2]
SERVICES = {
    "intake": IntakeSettings,
    "routing": CommonSettings,
    "department": CommonSettings,
    "notification": CommonSettings,
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    services: dict[str, Any] = document["services"]
    return services


def _pinned_kafka_version() -> str:
    pom = ET.parse(REPO / "deploy/local/kafka/pom.xml")
    namespace = {"m": "http://maven.apache.org/POM/4.0.0"}
    version = pom.find("m:properties/m:kafka.version", namespace)
    assert version is not None
    assert version.text
    return version.text


def test_compose_runs_the_kafka_version_that_deploy_local_installs(compose: dict[str, Any]) -> None:
    assert compose["kafka"]["image"] == f"apache/kafka:{_pinned_kafka_version()}"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_service_settings_point_at_the_compose_broker_and_database(
    compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.startswith(("LIENTHONG_", "OTEL_"))]:
        monkeypatch.delenv(name)
    for name, value in compose[service]["environment"].items():
        monkeypatch.setenv(name, str(value))

    settings = SERVICES[service]()

    broker_host, broker_port = settings.kafka_bootstrap_servers.split(":")
    assert broker_host in compose
    assert (
        f"PLAINTEXT://{broker_host}:{broker_port}"
        in (compose[broker_host]["environment"]["KAFKA_ADVERTISED_LISTENERS"])
    )
    database = urlsplit(settings.database_url)
    assert database.hostname in compose
    assert database.port == 5432
    assert compose[str(database.hostname)]["environment"]["POSTGRES_USER"] == database.username
    assert settings.http_host == "0.0.0.0"
    assert [f"{settings.http_port}:{settings.http_port}"] == compose[service]["ports"]
    assert compose[service]["command"] == ["python", "-m", f"services.{service}"]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_service_waits_for_healthy_kafka_and_postgres_and_has_a_readiness_check(
    compose: dict[str, Any], service: str
) -> None:
    depends = compose[service]["depends_on"]
    assert depends == {"kafka": {"condition": "service_healthy"}, "postgres": {"condition": "service_healthy"}}
    assert "/readyz" in " ".join(compose[service]["healthcheck"]["test"])
    assert compose["kafka"]["healthcheck"]
    assert compose["postgres"]["healthcheck"]


def test_the_image_listens_on_all_interfaces() -> None:
    dockerfile = (REPO / "deploy/Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"LIENTHONG_HTTP_HOST=0\.0\.0\.0", dockerfile)
