"""The instances of each service ``stack.py`` runs: their names, ports, and what sets one apart from another.

The first instance of a service is named as the service (``routing``: its pid file, log and port keep
the names they had when there was only one); the n-th is ``routing-<n>``. Unless told its port, the n-th
listens ``100 * (n - 1)`` above the first (``routing-2`` on 8102 beside ``routing`` on 8002).

Each instance gets a ``LIENTHONG_INSTANCE_ID`` of its own, so two never share a static group member id
(``shared/kernel/static_members.py``), and, when a service has several and nothing sets
``LIENTHONG_CONSUMERS_PER_STREAM``, ``ceil(partitions / instances)`` consumers per stream instead of one
per partition: together they hold one consumer per partition, none idle.
"""

import math
from collections.abc import Iterable, Mapping

from services.registry import SERVICES
from shared.kernel.settings import CommonSettings
from shared.kernel.static_members import instance_name

DEFAULT_PORTS = {service.name: service.port for service in SERVICES}
PORT_STEP = 100
"""How far above the first instance's port the next one listens, by default."""
PARTITIONS = CommonSettings.model_fields["topic_partitions"].default


def instance_key(service: str, n: int) -> str:
    """The name of ``service``'s ``n``-th instance (from 1): its pid file, log and port are named after it."""
    return service if n == 1 else f"{service}-{n}"


def split_key(key: str) -> tuple[str, int]:
    """The service and the number of the instance called ``key``; ``ValueError`` when it names none."""
    if key in DEFAULT_PORTS:
        return key, 1
    service, _, n = key.rpartition("-")
    if service in DEFAULT_PORTS and n.isdigit() and int(n) >= 2 and str(int(n)) == n:
        return service, int(n)
    raise ValueError(f"no service or instance is called {key!r}")


def service_of(key: str) -> str:
    return split_key(key)[0]


def is_instance(key: str) -> bool:
    """True if ``key`` names a service or one of its instances."""
    try:
        split_key(key)
    except ValueError:
        return False
    return True


def instance_keys(counts: Mapping[str, int], services: Iterable[str] = DEFAULT_PORTS) -> list[str]:
    """Every instance of ``services`` (in order), ``counts[service]`` of each (1 when not counted)."""
    return [instance_key(service, n) for service in services for n in range(1, counts.get(service, 1) + 1)]


def instance_ports(ports: Mapping[str, int], counts: Mapping[str, int]) -> dict[str, int]:
    """The port of every instance of the services in ``ports``: as given, else the first's plus ``PORT_STEP`` each."""
    services = list(dict.fromkeys(service_of(key) for key in ports))
    return {
        key: ports.get(key, ports[service] + PORT_STEP * (split_key(key)[1] - 1))
        for service in services
        for key in instance_keys(counts, [service])
    }


def instance_env(key: str, count: int, port: int, environ: Mapping[str, str]) -> dict[str, str]:
    """What sets instance ``key`` (one of ``count``) apart, given the environment ``environ`` it starts in.

    Its instance id: ``LIENTHONG_INSTANCE_ID`` of ``environ`` for the first, with ``-<n>`` for the others;
    without one, the host name and the port, as the kernel's default. Its consumers per stream when
    ``count`` > 1 and ``environ`` sets none.
    """
    n = split_key(key)[1]
    base = environ.get("LIENTHONG_INSTANCE_ID")
    given = base if n == 1 or not base else f"{base}-{n}"
    env = {"LIENTHONG_INSTANCE_ID": instance_name(given, port)}
    if count > 1 and not environ.get("LIENTHONG_CONSUMERS_PER_STREAM"):
        partitions = int(environ.get("LIENTHONG_TOPIC_PARTITIONS") or PARTITIONS)
        env["LIENTHONG_CONSUMERS_PER_STREAM"] = str(math.ceil(partitions / count))
    return env


def parse_counts(text: str | None) -> dict[str, int]:
    """``--instances``: ``service=n,…``, ``all=n`` for every service (named services after it override it)."""
    counts: dict[str, int] = {}
    for item in filter(None, (text or "").split(",")):
        name, _, n = item.partition("=")
        if (name != "all" and name not in DEFAULT_PORTS) or not n.isdigit() or int(n) < 1:
            among = ", ".join(["all", *DEFAULT_PORTS])
            raise ValueError(f"--instances wants name=n,… (n ≥ 1) with names among {among}: {item!r}")
        for service in DEFAULT_PORTS if name == "all" else [name]:
            counts[service] = int(n)
    return counts
