"""What ``stack.py`` keeps between calls (``<run>/stack.json``) and the secrets it gives each service at every start.

The environment the services were started with (``LIENTHONG_*`` and ``OTEL_*`` variables: JWKS file,
tracing, the stand-ins' addresses…), their instances and ports are kept and used again by every later
``start`` and ``restart``; a variable set when calling overrides the kept one (and is kept in its place).
Secrets are never kept: each service's Kafka principal comes from the local broker's
``<LIENTHONG_LOCAL_DIR>/kafka/credentials.json``, the keys of pseudonyms and lookup secrets from
``local_keys.py`` (unless the environment sets them), intake's and the department's object store
address and key from ``objectstore_keys.py`` (unless the environment names a store), the department's
signing authority from ``signing_ca.py`` (unless the environment names one).
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kafka_principals import credentials_file, load, services_env
from local_keys import keys_env
from objectstore_keys import for_keepers, object_store_env
from signing_ca import CERT_VARIABLE, signing_ca_env
from stack_instances import DEFAULT_PORTS, is_instance
from stack_processes import write_atomically
from stack_services import INSTANCE_MARKER, STACK_MARKER

KEPT_PREFIXES = ("LIENTHONG_", "OTEL_")
NOT_KEPT = {
    "LIENTHONG_HTTP_PORT",
    STACK_MARKER,
    INSTANCE_MARKER,
    "LIENTHONG_LOCAL_DIR",
    "LIENTHONG_SKIP_UP",
    "LIENTHONG_KAFKA_USERNAME",
    "LIENTHONG_KAFKA_PASSWORD",
}


@dataclass
class Kept:
    """``stack.json``: the services' environment, each instance's port and each service's number of instances."""

    env: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    instances: dict[str, int] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> "Kept":
        """What ``path`` keeps (nothing when there is no such file)."""
        if not path.exists():
            return cls()
        data = json.loads(path.read_text())
        ports = {k: int(v) for k, v in data.get("ports", {}).items() if is_instance(k)}
        counts = {k: int(v) for k, v in data.get("instances", {}).items() if k in DEFAULT_PORTS and int(v) >= 1}
        return cls(dict(data.get("env", {})), ports, counts)

    def write(self, path: Path) -> None:
        """Keep it in ``path``, readable by its owner only (the environment may name secrets' files)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"env": self.env, "ports": self.ports, "instances": self.instances}
        write_atomically(path, json.dumps(data, indent=2, sort_keys=True) + "\n", 0o600)


def kept_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables of ``environ`` that configure the services, as ``stack.json`` keeps them."""
    return {k: v for k, v in environ.items() if k.startswith(KEPT_PREFIXES) and k not in NOT_KEPT}


def secrets(local_dir: Path, env: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Each service's secrets: its Kafka principal on the local broker (when it has a credentials file), the
    deployment's keys (generated on first use) unless ``env`` gives its own, for intake and the department the
    local object store's address and key unless ``env`` names an object store of its own, and for the department
    the local signing authority (created on first use) unless ``env`` names one."""
    path = credentials_file(local_dir)
    principals = services_env(load(path)) if path.exists() else {}
    keys = {variable: key for variable, key in keys_env(local_dir).items() if variable not in env}
    objects = {} if "LIENTHONG_OBJECT_STORE_ACCESS_KEY" in env else object_store_env(local_dir)
    objects = {variable: value for variable, value in objects.items() if variable not in env}
    given = for_keepers({name: {**principals.get(name, {}), **keys} for name in DEFAULT_PORTS}, objects)
    if CERT_VARIABLE not in env:
        given["department"] = {**given["department"], **signing_ca_env(local_dir)}
    return given


def parse_ports(text: str | None) -> dict[str, int]:
    """``--ports``: ``name=port,…``, each name a service's (its first instance) or an instance's (``routing-2``)."""
    ports = {}
    for item in filter(None, (text or "").split(",")):
        name, _, port = item.partition("=")
        if not is_instance(name) or not port.isdigit():
            among = ", ".join(DEFAULT_PORTS)
            raise ValueError(f"--ports wants name=port,… with names among {among} (or routing-2…): {item!r}")
        ports[name] = int(port)
    return ports
