"""deploy/helm/platform/ (Strimzi, CloudNativePG) agrees with the code and with the chart's values.

The generated files are what deploy/local/k8s_platform.py makes from the streams table, the ACLs and the
schemas' roles now; the chart names the secrets, users and services those resources make.
"""

import re
from pathlib import Path
from typing import Any

import k8s_platform
import pytest
import yaml

from services.registry import SERVICES as REGISTRY
from shared.contracts import STREAMS
from shared.kernel.db_roles import SchemaRoles
from shared.kernel.messaging import all_topics

REPO = Path(__file__).resolve().parents[2]
PLATFORM = REPO / "deploy/helm/platform"
Manifest = dict[str, Any]


def _documents(file: str) -> list[Manifest]:
    return [d for d in yaml.safe_load_all((PLATFORM / file).read_text(encoding="utf-8")) if d]


def _one(file: str, kind: str) -> Manifest:
    (found,) = [d for d in _documents(file) if d["kind"] == kind]
    return found


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "deploy/helm/lienthong/values.yaml").read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("file", sorted(k8s_platform.FILES))
def test_the_generated_resources_are_those_of_the_code_now(file: str) -> None:
    committed = (PLATFORM / file).read_text(encoding="utf-8")
    assert committed == k8s_platform.render(file, ""), "run: python deploy/local/k8s_platform.py write"


def test_kafka_is_three_kraft_nodes_replicating_three_times_with_two_in_sync() -> None:
    pool = _one("kafka.yaml", "KafkaNodePool")
    kafka = _one("kafka.yaml", "Kafka")
    assert pool["spec"]["replicas"] == 3
    assert set(pool["spec"]["roles"]) == {"broker", "controller"}
    assert pool["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
    config = kafka["spec"]["kafka"]["config"]
    assert config["default.replication.factor"] == 3
    assert config["min.insync.replicas"] == 2
    assert config["offsets.topic.replication.factor"] == 3
    assert config["auto.create.topics.enable"] is False
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    assert {"topicOperator", "userOperator"} <= set(kafka["spec"]["entityOperator"])


def test_every_topic_and_its_dead_letters_is_a_kafka_topic_of_the_cluster(values: dict[str, Any]) -> None:
    topics = {t["spec"]["topicName"]: t for t in _documents("kafka-topics.yaml")}
    assert set(topics) == set(all_topics(""))
    cluster = _one("kafka.yaml", "Kafka")["metadata"]["name"]
    for topic in topics.values():
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == cluster
        assert topic["spec"]["replicas"] == 3
        assert topic["spec"]["config"]["min.insync.replicas"] == 2
        assert topic["spec"]["partitions"] == values["kafka"]["partitions"]


def test_the_chart_connects_to_the_clusters_tls_listener_as_each_services_kafka_user(values: dict[str, Any]) -> None:
    kafka = _one("kafka.yaml", "Kafka")
    name = kafka["metadata"]["name"]
    host, _, port = values["kafka"]["bootstrapServers"].rpartition(":")
    assert host == f"{name}-kafka-bootstrap"
    (listener,) = [item for item in kafka["spec"]["kafka"]["listeners"] if item["port"] == int(port)]
    assert listener["tls"] is (values["kafka"]["securityProtocol"] == "SASL_SSL")
    assert listener["authentication"]["type"] == values["kafka"]["saslMechanism"].lower()
    assert values["kafka"]["caSecret"] == {"name": f"{name}-cluster-ca-cert", "key": "ca.crt"}
    users = {u["metadata"]["name"]: u for u in _documents("kafka-users.yaml")}
    for service, chart in values["services"].items():
        user = users[chart["kafkaUser"]]
        assert user["metadata"]["labels"]["strimzi.io/cluster"] == name
        assert user["spec"]["authentication"]["type"] == "scram-sha-512"
        # KEDA reads the lag as the service: describing its groups and their topics.
        groups = [a for a in user["spec"]["authorization"]["acls"] if a["resource"]["type"] == "group"]
        assert [(g["resource"]["name"], g["resource"]["patternType"]) for g in groups] == [
            (f"lienthong.{service}.", "prefix")
        ]


def test_the_chart_consumes_what_each_service_consumes_within_the_partitions(values: dict[str, Any]) -> None:
    for service, chart in values["services"].items():
        assert set(chart["consumes"]) == {s.topic for s in STREAMS if service in s.consumers}, service
        scaling = chart["autoscaling"]
        assert scaling["minReplicas"] <= scaling["maxReplicas"]
        if scaling["kind"] == "keda":
            assert chart["consumersPerStream"] * scaling["maxReplicas"] <= values["kafka"]["partitions"], service


def test_each_service_logs_in_as_its_role_with_the_password_cloudnativepg_keeps(values: dict[str, Any]) -> None:
    cluster = _one("postgres.yaml", "Cluster")
    name = cluster["metadata"]["name"]
    roles = {r["name"]: r for r in cluster["spec"]["managed"]["roles"]}
    database = values["database"]
    assert database["host"] == f"{name}-rw"
    assert database["name"] == cluster["spec"]["bootstrap"]["initdb"]["database"]
    assert database["migrationUser"] == cluster["spec"]["bootstrap"]["initdb"]["owner"]
    assert database["migrationPasswordSecret"] == {"name": f"{name}-app", "key": "password"}
    owners = set(roles[database["migrationUser"]]["inRoles"])
    for service in REGISTRY:
        schema = SchemaRoles.of(service.name)
        assert roles[schema.owner]["login"] is False
        assert schema.owner in owners
        login = roles[schema.login]
        assert login["login"] is True
        secret = values["services"][service.name]["databaseSecret"]
        assert secret == {"name": login["passwordSecret"]["name"], "key": "password"}


def _measured_peak_rss() -> dict[str, int]:
    """Peak RSS per service in MiB, as docs/benchmarks.md's newest figures give it ("intake 10 ms, 181 MiB; ...")."""
    text = (REPO / "docs/benchmarks.md").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", text[text.index("peak RSS:") :])
    found: dict[str, int] = {}
    for m in re.finditer(r"\b(intake|routing|department|notification) \d+ ms(?: \([^)]*\))?, (\d+) MiB", text):
        found.setdefault(m.group(1), int(m.group(2)))  # the newest figures come first
    assert set(found) == {s.name for s in REGISTRY}, found
    return found


def _mebibytes(quantity: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()  # type: ignore[union-attr]
    return int(number) * (1024 if unit == "Gi" else 1)


def test_memory_requests_hold_the_measured_peak_and_limits_leave_headroom(values: dict[str, Any]) -> None:
    for service, peak in _measured_peak_rss().items():
        resources = values["services"][service]["resources"]
        assert _mebibytes(resources["requests"]["memory"]) >= peak, service
        assert _mebibytes(resources["limits"]["memory"]) >= 1.5 * peak, service
