"""The Helm chart rendered by ``helm template`` (the Helm that deploy/local/helm.sh builds, installed when missing).

Every container has probes, limits, a non-root user and a read-only root filesystem; every service a
PodDisruptionBudget and a scaler; no secret in plain text; the migrations run before install and upgrade;
KEDA's triggers name the consumer groups the code joins; every setting the chart gives is one the
service reads. Each check returns the problems it found, and is shown to find them in a broken render.
"""

import os
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from pydantic import SecretStr

from services.registry import SERVICES as REGISTRY
from shared.contracts import STREAMS
from shared.kernel.consumers import consumer_group
from shared.kernel.settings import CommonSettings

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "deploy/helm/lienthong"
SETTINGS: dict[str, type[CommonSettings]] = {s.name: s.settings for s in REGISTRY}
PORTS = {s.name: s.port for s in REGISTRY}
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|_KEY)$")
Manifest = dict[str, Any]
Check = Callable[[list[Manifest]], list[str]]


@pytest.fixture(scope="module")
def helm() -> Path:
    """The pinned Helm, built by deploy/local/helm.sh on first use (a few minutes)."""
    found = subprocess.run(
        [str(REPO / "deploy/local/helm.sh"), "path"], capture_output=True, text=True, timeout=1500, check=False
    )
    assert found.returncode == 0, found.stderr[-3000:]
    return Path(found.stdout.strip().splitlines()[-1])


def render(helm: Path, *arguments: str) -> list[Manifest]:
    """The chart's objects as ``helm template`` prints them with ``arguments`` (e.g. ``--set``)."""
    done = subprocess.run(
        [str(helm), "template", "lienthong", str(CHART), "--namespace", "lienthong", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=os.environ | {"HELM_CACHE_HOME": str(helm.parent.parent / "cache")},
    )
    assert done.returncode == 0, done.stderr
    return [m for m in yaml.safe_load_all(done.stdout) if m]


@pytest.fixture(scope="module")
def manifests(helm: Path) -> list[Manifest]:
    return render(helm)


def of_kind(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind]


def pods(manifests: list[Manifest]) -> Iterator[tuple[Manifest, Manifest]]:
    """(workload, pod spec) of every Deployment and Job."""
    for workload in manifests:
        if workload["kind"] in ("Deployment", "Job"):
            yield workload, workload["spec"]["template"]["spec"]


def service_of(deployment: Manifest) -> str:
    return str(deployment["metadata"]["labels"]["app.kubernetes.io/component"])


# --- the checks ----------------------------------------------------------------------------------


def container_problems(manifests: list[Manifest]) -> list[str]:
    """Probes (services), limits, a non-root user, a read-only root filesystem, no privilege, no capability."""
    problems = []
    for workload, spec in pods(manifests):
        pod_security = spec.get("securityContext", {})
        for container in spec["containers"]:
            where = f"{workload['metadata']['name']}/{container['name']}"
            security = pod_security | container.get("securityContext", {})
            if workload["kind"] == "Deployment":
                port = PORTS[service_of(workload)]
                ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
                for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
                    get = container.get(probe, {}).get("httpGet", {})
                    if get.get("path") != path or ports.get(get.get("port")) != port:
                        problems.append(f"{where}: {probe} is not GET {path} on port {port}")
            limits = container.get("resources", {}).get("limits", {})
            requests = container.get("resources", {}).get("requests", {})
            if not {"cpu", "memory"} <= set(limits) or not {"cpu", "memory"} <= set(requests):
                problems.append(f"{where}: cpu and memory requests and limits")
            if security.get("runAsNonRoot") is not True or security.get("runAsUser") in (None, 0):
                problems.append(f"{where}: runs as a non-root user")
            if security.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: read-only root filesystem")
            if security.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation false")
            if "ALL" not in security.get("capabilities", {}).get("drop", []):
                problems.append(f"{where}: drops ALL capabilities")
    return problems


def budget_problems(manifests: list[Manifest]) -> list[str]:
    """Every Deployment's pods are covered by a PodDisruptionBudget that leaves some running."""
    budgets = of_kind(manifests, "PodDisruptionBudget")
    problems = []
    for deployment in of_kind(manifests, "Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        covering = [b for b in budgets if b["spec"]["selector"]["matchLabels"].items() <= labels.items()]
        if not covering:
            problems.append(f"{deployment['metadata']['name']}: no PodDisruptionBudget")
        elif not all(b["spec"].get("maxUnavailable") or b["spec"].get("minAvailable") for b in covering):
            problems.append(f"{deployment['metadata']['name']}: a PodDisruptionBudget that allows nothing")
    return problems


def _env(manifests: list[Manifest]) -> Iterator[tuple[str, Manifest]]:
    for workload, spec in pods(manifests):
        for container in spec["containers"]:
            for variable in container.get("env", []):
                yield f"{workload['metadata']['name']}/{container['name']}", variable


def secret_problems(manifests: list[Manifest]) -> list[str]:
    """No Secret object, and every password, key or token only from a secret's key, never a value."""
    problems = [f"Secret {m['metadata']['name']} in the chart" for m in of_kind(manifests, "Secret")]
    secret_settings = {
        f"LIENTHONG_{name.upper()}"
        for settings in SETTINGS.values()
        for name, field in settings.model_fields.items()
        if SecretStr in (field.annotation, *getattr(field.annotation, "__args__", ()))
    }
    for where, variable in _env(manifests):
        name = variable["name"]
        if (SECRET_NAME.search(name) or name in secret_settings) and "value" in variable:
            problems.append(f"{where}: {name} has a value instead of a secretKeyRef")
        if "value" in variable and re.search(r"://[^/@\s]*:[^/@\s]*@", str(variable["value"])):
            problems.append(f"{where}: {name} is a URL with a password")
        reference = variable.get("valueFrom", {})
        if "valueFrom" in variable and not ({"secretKeyRef", "fieldRef"} & set(reference)):
            problems.append(f"{where}: {name} from {sorted(reference)}")
    return problems


def settings_problems(manifests: list[Manifest]) -> list[str]:
    """Each container's LIENTHONG_* variables are settings of its service, and its settings build from them."""
    problems = []
    for workload, spec in pods(manifests):
        settings = SETTINGS[service_of(workload)] if workload["kind"] == "Deployment" else CommonSettings
        for container in spec["containers"]:
            env: dict[str, str] = {}
            for variable in container.get("env", []):
                name = variable["name"]
                if not name.startswith("LIENTHONG_"):
                    continue
                if name.removeprefix("LIENTHONG_").lower() not in settings.model_fields:
                    problems.append(f"{workload['metadata']['name']}: {name} is no setting of {settings.__name__}")
                # A secret's value or the pod's name stand in for what Kubernetes gives.
                env[name] = str(variable.get("value", "from-the-cluster-0123456789abcdef0123456789abcdef"))
            others = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
            try:
                with mock.patch.dict(os.environ, others | env, clear=True):
                    settings()
            except ValueError as error:
                problems.append(f"{workload['metadata']['name']}: {error}")
    return problems


def migration_problems(manifests: list[Manifest]) -> list[str]:
    """The migrations are a Job before install and upgrade; the services do not migrate at start."""
    jobs = [
        j
        for j in of_kind(manifests, "Job")
        if j["spec"]["template"]["spec"]["containers"][0]["command"] == ["python", "-m", "services.migrate"]
    ]
    if len(jobs) != 1:
        return [f"{len(jobs)} migration Jobs"]
    hooks = set(jobs[0]["metadata"].get("annotations", {}).get("helm.sh/hook", "").split(","))
    problems = [f"the migration Job's hooks are {sorted(hooks)}"] if not {"pre-install", "pre-upgrade"} <= hooks else []
    for where, variable in _env(of_kind(manifests, "Deployment")):
        if variable["name"] == "LIENTHONG_MIGRATE_ON_START" and variable.get("value") != "false":
            problems.append(f"{where}: migrates at start")
    return problems


def scaler_problems(manifests: list[Manifest], prefix: str = "") -> list[str]:
    """One scaler per service; KEDA's Kafka triggers are exactly the service's consumer groups and topics."""
    problems = []
    scaled = {m["spec"]["scaleTargetRef"]["name"]: m for m in of_kind(manifests, "ScaledObject")}
    cpu = {m["spec"]["scaleTargetRef"]["name"]: m for m in of_kind(manifests, "HorizontalPodAutoscaler")}
    authentications = {m["metadata"]["name"]: m for m in of_kind(manifests, "TriggerAuthentication")}
    for deployment in of_kind(manifests, "Deployment"):
        name, service = deployment["metadata"]["name"], service_of(deployment)
        if (name in scaled) == (name in cpu):
            problems.append(f"{name}: {'two scalers' if name in scaled else 'no scaler'}")
        if name not in scaled:
            continue
        consumed = {
            (consumer_group(service, stream, prefix), prefix + stream.topic)
            for stream in STREAMS
            if service in stream.consumers
        }
        triggers = [t for t in scaled[name]["spec"]["triggers"] if t["type"] == "kafka"]
        named = {(t["metadata"]["consumerGroup"], t["metadata"]["topic"]) for t in triggers}
        if named != consumed:
            problems.append(f"{name}: triggers on {sorted(named - consumed)}, none on {sorted(consumed - named)}")
        env = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
        for trigger in triggers:
            authentication = authentications.get(trigger.get("authenticationRef", {}).get("name"))
            if authentication is None:
                problems.append(f"{name}: a trigger without its TriggerAuthentication")
                continue
            password = next(r for r in authentication["spec"]["secretTargetRef"] if r["parameter"] == "password")
            if password["name"] != env["LIENTHONG_KAFKA_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"]:
                problems.append(f"{name}: KEDA reads the lag as another principal than the service's")
    return problems


CHECKS: dict[str, Check] = {
    "containers": container_problems,
    "budgets": budget_problems,
    "secrets": secret_problems,
    "settings": settings_problems,
    "migrations": migration_problems,
    "scalers": scaler_problems,
}


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_the_chart_as_rendered_passes(manifests: list[Manifest], check: str) -> None:
    assert CHECKS[check](manifests) == []


def test_every_service_is_deployed_with_its_command_port_and_instance_id(manifests: list[Manifest]) -> None:
    deployments = {service_of(d): d for d in of_kind(manifests, "Deployment")}
    assert set(deployments) == set(SETTINGS)
    services = {m["metadata"]["name"]: m for m in of_kind(manifests, "Service")}
    for service, deployment in deployments.items():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] == ["python", "-m", f"services.{service}"]
        env = {v["name"]: v for v in container["env"]}
        assert env["LIENTHONG_HTTP_PORT"]["value"] == str(PORTS[service])
        assert env["LIENTHONG_INSTANCE_ID"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}
        assert services[deployment["metadata"]["name"]]["spec"]["ports"][0]["port"] == PORTS[service]


def test_intake_scales_on_cpu_and_the_consumers_on_their_lag(manifests: list[Manifest]) -> None:
    hpa = {m["spec"]["scaleTargetRef"]["name"] for m in of_kind(manifests, "HorizontalPodAutoscaler")}
    keda = {m["spec"]["scaleTargetRef"]["name"] for m in of_kind(manifests, "ScaledObject")}
    assert hpa == {"lienthong-intake"}
    assert keda == {"lienthong-routing", "lienthong-department", "lienthong-notification"}


def test_a_topic_prefix_moves_the_triggers_to_the_prefixed_groups(helm: Path) -> None:
    prefixed = render(helm, "--set", "topicPrefix=p40.")
    assert scaler_problems(prefixed, prefix="p40.") == []
    assert scaler_problems(prefixed) != []


# --- the checks find what they are for ------------------------------------------------------------


def _without_budget_of(service: str) -> Callable[[list[Manifest]], list[Manifest]]:
    return lambda ms: [m for m in ms if not (m["kind"] == "PodDisruptionBudget" and service in m["metadata"]["name"])]


def _migrating_after_upgrade(manifests: list[Manifest]) -> list[Manifest]:
    for job in of_kind(manifests, "Job"):
        job["metadata"]["annotations"]["helm.sh/hook"] = "post-upgrade"
    return manifests


BROKEN: dict[str, tuple[str, list[str], Callable[[list[Manifest]], list[Manifest]]]] = {
    "writable root": ("containers", ["--set", "containerSecurityContext.readOnlyRootFilesystem=false"], list),
    "root user": ("containers", ["--set", "containerSecurityContext.runAsUser=0"], list),
    "no limits": ("containers", ["--set", "services.routing.resources.limits=null"], list),
    "no budget": ("budgets", [], _without_budget_of("department")),
    "a password as a value": ("secrets", ["--set-string", "services.intake.settings.SMTP_PASSWORD=hunter2"], list),
    "a URL with a password": (
        "secrets",
        ["--set", "database.host=lienthong:hunter2@db", "--set", "database.port=5432"],
        list,
    ),
    "no such setting": ("settings", ["--set-string", "services.routing.settings.SMTP_HOST=mail"], list),
    "a setting of the wrong type": ("settings", ["--set-string", "kafka.sessionTimeoutSeconds=soon"], list),
    "migrations after the upgrade": ("migrations", [], _migrating_after_upgrade),
    "a stream not consumed": (
        "scalers",
        ["--set", "services.routing.consumes={intake.dossiers.v1,routing.task-orders.v1}"],
        list,
    ),
    "no scaler": ("scalers", ["--set", "services.notification.autoscaling.kind=none"], list),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_check_finds_a_broken_render(helm: Path, case: str) -> None:
    check, arguments, spoil = BROKEN[case]
    assert CHECKS[check](spoil(render(helm, *arguments))) != []
