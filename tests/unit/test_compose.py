"""docker-compose.yml runs the same stack as deploy/local: same Kafka version, and settings that reach it.

Each service's settings are built from the environment its container would get: the ``ENV`` of the
image it is built from (deploy/Dockerfile), overlaid with its ``environment`` in docker-compose.yml.
"""

import json
import os
import re
import shlex
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from standins.identities import load_identities

from services.notification.channels.configured import configured_senders
from services.notification.settings import NotificationSettings
from services.registry import SERVICES as REGISTRY
from services.registry import entry as registered
from shared.kernel.settings import CommonSettings

REPO = Path(__file__).resolve().parents[2]
SERVICES: dict[str, type[CommonSettings]] = {s.name: s.settings for s in REGISTRY}
POM_NAMESPACE = {"m": "http://maven.apache.org/POM/4.0.0"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    services: dict[str, Any] = document["services"]
    return services


def _pinned_kafka_version() -> str:
    """The org.apache.kafka version deploy/local/kafka/pom.xml installs, with ``${property}`` resolved."""
    project = ET.parse(REPO / "deploy/local/kafka/pom.xml").getroot()
    for dependency in project.iterfind("m:dependencies/m:dependency", POM_NAMESPACE):
        if dependency.findtext("m:groupId", namespaces=POM_NAMESPACE) != "org.apache.kafka":
            continue
        version = dependency.findtext("m:version", namespaces=POM_NAMESPACE)
        assert version
        reference = re.fullmatch(r"\$\{(.+)\}", version)
        if reference:
            version = project.findtext(f"m:properties/m:{reference.group(1)}", namespaces=POM_NAMESPACE)
        assert version
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
        return version
    raise AssertionError("deploy/local/kafka/pom.xml has no org.apache.kafka dependency")


def _image_env(dockerfile: Path) -> dict[str, str]:
    """The variables the ``ENV`` instructions of ``dockerfile`` set (``ENV key=value ...`` form)."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    env: dict[str, str] = {}
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0].upper() == "ENV":
            for word in words[1:]:
                name, separator, value = word.partition("=")
                assert separator, f"use the ENV key=value form: {line.strip()}"
                env[name] = value
    return env


def _interpolated(value: str) -> str:
    """``value`` as compose gives it to the container when the host sets none of its ``${NAME:-default}``."""
    return re.sub(r"\$\{\w+(?::-([^}]*))?\}", lambda match: match.group(1) or "", value)


def _container_env(compose: dict[str, Any], service: str) -> dict[str, str]:
    build = compose[service]["build"]
    image = _image_env(REPO / build["context"] / build["dockerfile"])
    return image | {name: _interpolated(str(value)) for name, value in compose[service]["environment"].items()}


def _published_ports(compose: dict[str, Any], service: str) -> list[tuple[int, int]]:
    """(host, container) pairs of the ``"host:container"`` entries in ``ports``."""
    pairs = []
    for entry in compose[service]["ports"]:
        host, _, container = str(entry).rpartition(":")
        pairs.append((int(host), int(container)))
    return pairs


def _healthcheck_port(compose: dict[str, Any], service: str) -> int:
    command = " ".join(compose[service]["healthcheck"]["test"])
    match = re.search(r"http://(?:127\.0\.0\.1|localhost):(\d+)/readyz\b", command)
    assert match, command
    return int(match.group(1))


def _settings_in_container(compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch) -> CommonSettings:
    """The service's settings from its container's environment alone."""
    for name in [n for n in os.environ if n.upper().startswith(("LIENTHONG_", "OTEL_"))]:
        monkeypatch.delenv(name)
    for name, value in _container_env(compose, service).items():
        monkeypatch.setenv(name, value)
    return SERVICES[service]()


def test_compose_runs_the_kafka_version_that_deploy_local_installs(compose: dict[str, Any]) -> None:
    assert compose["kafka"]["image"] == f"apache/kafka:{_pinned_kafka_version()}"


def test_kafka_authenticates_everyone_and_enforces_acls_like_deploy_local(compose: dict[str, Any]) -> None:
    env = compose["kafka"]["environment"]
    assert env["KAFKA_AUTHORIZER_CLASS_NAME"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert env["KAFKA_SUPER_USERS"] == "User:admin"
    assert env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    assert "PLAINTEXT:PLAINTEXT" not in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"]
    acls = compose["kafka-acls"]
    assert acls["command"] == ["python", "deploy/local/kafka_acls.py", "apply"]
    assert acls["environment"]["LIENTHONG_KAFKA_USERNAME"] == "admin"
    for service in SERVICES:
        assert compose[service]["depends_on"]["kafka-acls"]["condition"] == "service_completed_successfully"


def test_kafka_is_a_single_kraft_node_like_deploy_local(compose: dict[str, Any]) -> None:
    env = compose["kafka"]["environment"]
    assert env["KAFKA_NODE_ID"] == 1
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093"
    assert set(env["KAFKA_LISTENERS"].split(",")) == {"SASL_PLAINTEXT://:9092", "CONTROLLER://:9093"}
    assert env["KAFKA_ADVERTISED_LISTENERS"] == "SASL_PLAINTEXT://kafka:9092"
    factors = {name: value for name, value in env.items() if name.endswith(("_REPLICATION_FACTOR", "_MIN_ISR"))}
    assert "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR" in factors
    assert set(factors.values()) == {1}
    assert env["KAFKA_NUM_PARTITIONS"] == CommonSettings.model_fields["topic_partitions"].default
    assert env["KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS"] == 0


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_service_settings_point_at_the_compose_broker_database_and_port(
    compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings_in_container(compose, service, monkeypatch)

    broker_host, _, broker_port = settings.kafka_bootstrap_servers.rpartition(":")
    assert broker_host in compose
    assert compose[broker_host]["image"].startswith("apache/kafka:")
    kafka_env = compose[broker_host]["environment"]
    assert f"SASL_PLAINTEXT://:{broker_port}" in kafka_env["KAFKA_LISTENERS"].split(",")
    assert f"SASL_PLAINTEXT://{broker_host}:{broker_port}" in kafka_env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    assert settings.kafka_security_protocol == "SASL_PLAINTEXT"
    assert settings.kafka_sasl_mechanism in kafka_env["KAFKA_SASL_ENABLED_MECHANISMS"].split(",")
    assert settings.kafka_username == service, "each service is its own Kafka principal"
    assert settings.kafka_password is not None
    assert f'user_{service}="' in kafka_env["KAFKA_LISTENER_NAME_SASL__PLAINTEXT_PLAIN_SASL_JAAS_CONFIG"]

    database = urlsplit(settings.database_url)
    assert database.hostname in compose
    assert compose[str(database.hostname)]["image"].startswith("postgres:")
    assert database.port == 5432
    postgres_env = compose[str(database.hostname)]["environment"]
    assert database.username == postgres_env["POSTGRES_USER"]
    assert database.password == postgres_env["POSTGRES_PASSWORD"]
    assert database.path == f"/{postgres_env['POSTGRES_DB']}"

    assert settings.http_host == "0.0.0.0"
    assert settings.http_port is not None
    assert settings.http_port == _healthcheck_port(compose, service)
    assert _published_ports(compose, service) == [(settings.http_port, settings.http_port)]
    assert compose[service]["command"] == ["python", "-m", f"services.{service}"]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_service_listens_on_its_default_port(compose: dict[str, Any], service: str) -> None:
    assert compose[service]["environment"]["LIENTHONG_HTTP_PORT"] == str(registered(service).port)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_service_exports_traces_to_the_compose_jaeger(compose: dict[str, Any], service: str) -> None:
    endpoint = urlsplit(compose[service]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"])
    assert endpoint.hostname in compose
    assert compose[str(endpoint.hostname)]["image"].startswith("jaegertracing/jaeger:2.")
    assert endpoint.port == 4318  # OTLP/HTTP, the exporter shared.observability.telemetry uses
    assert (4318, 4318) in _published_ports(compose, str(endpoint.hostname))


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_service_waits_for_healthy_kafka_and_postgres_and_has_a_readiness_check(
    compose: dict[str, Any], service: str
) -> None:
    depends = compose[service]["depends_on"]
    assert depends["kafka"] == {"condition": "service_healthy"}
    assert depends["postgres"] == {"condition": "service_healthy"}
    assert compose["kafka"]["healthcheck"]["test"]
    assert compose["postgres"]["healthcheck"]["test"]
    test = compose[service]["healthcheck"]["test"]
    assert test[0] == "CMD"
    assert test[1] == "python"  # the slim image has no curl
    assert _healthcheck_port(compose, service) > 0


def test_the_image_runs_as_a_non_root_user() -> None:
    dockerfile = (REPO / "deploy/Dockerfile").read_text(encoding="utf-8")
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_notification_in_compose_has_no_channel_until_the_providers_are_set(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.upper().startswith("LIENTHONG_")]:
        monkeypatch.delenv(name)
    for name, value in _container_env(compose, "notification").items():
        monkeypatch.setenv(name, value)

    assert configured_senders(NotificationSettings()) == {}
    monkeypatch.setenv("LIENTHONG_SMTP_HOST", "mail.example.vn")
    assert set(configured_senders(NotificationSettings())) == {"email"}


# --- tokens: the compose Keycloak and its imported realms ------------------------------------------


def _realm(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((REPO / "deploy/compose" / f"{name}-realm.json").read_text(encoding="utf-8"))
    return document


def _claims_of(client: dict[str, Any]) -> dict[str, Any]:
    """The claims a client's hard-coded mappers add, by name, as JSON values."""
    return {
        m["config"]["claim.name"]: json.loads(m["config"]["claim.value"])
        for m in client["protocolMappers"]
        if m["protocolMapper"] == "oidc-hardcoded-claim-mapper"
    }


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_service_trusts_the_compose_keycloaks_two_realms(
    compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings_in_container(compose, service, monkeypatch)
    keycloak = compose["keycloak"]
    frontend = keycloak["environment"]["KC_HOSTNAME"]
    for realm, jwks, issuer, audience in (
        ("lienthong", settings.jwks_url, settings.jwt_issuer, settings.jwt_audience),
        ("vneid", settings.citizen_jwks_url, settings.citizen_jwt_issuer, settings.citizen_jwt_audience),
    ):
        assert issuer == f"{frontend}/realms/{realm}"
        assert jwks == f"{issuer}/protocol/openid-connect/certs"
        assert urlsplit(jwks).hostname in compose
        assert compose[str(urlsplit(jwks).hostname)]["image"].startswith("quay.io/keycloak/keycloak:")
        assert _realm(realm)["realm"] == realm
        for client in _realm(realm)["clients"]:
            audiences = [
                m["config"]["included.custom.audience"]
                for m in client["protocolMappers"]
                if m["protocolMapper"] == "oidc-audience-mapper"
            ]
            assert audiences == [audience], client["clientId"]
    assert compose[service]["depends_on"]["keycloak"] == {"condition": "service_healthy"}


def test_keycloak_imports_the_realms_and_gets_every_placeholder_they_use(compose: dict[str, Any]) -> None:
    keycloak = compose["keycloak"]
    assert "--import-realm" in keycloak["command"]
    assert "./deploy/compose:/opt/keycloak/data/import:ro" in keycloak["volumes"]
    for realm in ("lienthong", "vneid"):
        text = (REPO / "deploy/compose" / f"{realm}-realm.json").read_text(encoding="utf-8")
        for placeholder in re.findall(r"\$\{(\w+)\}", text):
            assert placeholder in keycloak["environment"], f"{realm}: ${{{placeholder}}} is not set"
        assert _realm(realm)["accessTokenLifespan"] <= CommonSettings.model_fields["jwt_max_lifetime_seconds"].default


def test_keycloaks_integrators_are_the_stand_in_identity_providers(compose: dict[str, Any]) -> None:
    standin = {c.client_id: c for c in load_identities().clients}
    realm = {c["clientId"]: c for c in _realm("lienthong")["clients"] if c.get("serviceAccountsEnabled")}
    assert set(realm) == set(standin)
    for client_id, client in realm.items():
        assert set(client["defaultClientScopes"]) == set(standin[client_id].scope), client_id
        claims = _claims_of(client)
        assert claims["provinces"] == standin[client_id].provinces
        assert claims.get("centres") == standin[client_id].centres
        secret = re.fullmatch(r"\$\{(\w+)\}", client["secret"])
        assert secret, f"{client_id}: the secret comes from the environment"
        assert _interpolated(compose["keycloak"]["environment"][secret.group(1)]) == standin[client_id].secret
    defined = {scope["name"] for scope in _realm("lienthong")["clientScopes"]}
    assert defined == {scope for client in standin.values() for scope in client.scope}


# --- documents: the compose MinIO and the key minio-init makes -------------------------------------


DOCUMENT_KEEPERS = ("intake", "department")


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_the_services_that_keep_documents_reach_the_compose_object_store_with_the_key_made_for_them(
    compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings_in_container(compose, service, monkeypatch)
    assert compose[service]["depends_on"]["minio-init"] == {"condition": "service_completed_successfully"}
    if service not in DOCUMENT_KEEPERS:
        assert settings.object_store_access_key is None, "only the services that keep documents get the key"
        return
    endpoint = urlsplit(settings.object_store_url)
    assert endpoint.hostname in compose
    assert compose[str(endpoint.hostname)]["image"].startswith("minio/minio:RELEASE.")
    assert endpoint.port == 9000
    init = {name: _interpolated(str(value)) for name, value in compose["minio-init"]["environment"].items()}
    assert settings.object_store_bucket == init["BUCKET"]
    assert settings.object_store_access_key == init["SERVICES_ACCESS_KEY"]
    assert settings.object_store_secret_key is not None
    assert settings.object_store_secret_key.get_secret_value() == init["SERVICES_SECRET_KEY"]
    assert init["MC_HOST_store"].endswith(f"@{endpoint.hostname}:{endpoint.port}")


def test_minio_init_makes_the_bucket_and_a_key_allowed_on_it_only(compose: dict[str, Any]) -> None:
    init = compose["minio-init"]
    assert init["depends_on"]["minio"] == {"condition": "service_healthy"}
    assert init["image"].startswith("minio/mc:RELEASE.")
    script = " ".join(init["command"])
    assert 'mc mb --ignore-existing "store/$$BUCKET"' in script
    assert '"arn:aws:s3:::%s","arn:aws:s3:::%s/*"' in script  # the bucket and its objects, nothing else
    assert 'mc admin user add store "$$SERVICES_ACCESS_KEY" "$$SERVICES_SECRET_KEY"' in script
    assert "|| true" not in script


def test_the_department_signs_with_the_ca_given_as_compose_secrets(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings_in_container(compose, "department", monkeypatch)
    document: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    given = {f"/run/secrets/{name}": document["secrets"][name]["file"] for name in compose["department"]["secrets"]}
    assert given[str(settings.signing_ca_cert_file)].endswith("/ca.pem")  # type: ignore[attr-defined]
    assert given[str(settings.signing_ca_key_file)].endswith("/ca-key.pem")  # type: ignore[attr-defined]


def test_intake_in_compose_creates_no_payment_and_ships_nothing_until_the_partners_are_set(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings_in_container(compose, "intake", monkeypatch)
    assert settings.payment_url is None or settings.payment_url == ""  # type: ignore[attr-defined]
    assert settings.postal_url is None or settings.postal_url == ""  # type: ignore[attr-defined]
    assert urlsplit(settings.payment_callback_url).hostname == "intake"  # type: ignore[attr-defined]
    assert urlsplit(settings.postal_callback_url).hostname == "intake"  # type: ignore[attr-defined]
