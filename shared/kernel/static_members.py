"""Static group membership (KIP-345): a process's consumers keep their ``group.instance.id`` across restarts.

Without it, a process killed with ``kill -9`` leaves members in each of its groups that only the
session timeout removes, and the restarted process's consumers wait in the rebalance that follows
(7 to 9.6 s measured after a department ``kill -9``). With it, a restarted consumer joining under its
old instance id takes its predecessor's place and partitions at once, without a rebalance. The
price: a stopped process does not leave its groups (aiokafka sends no LeaveGroup for a static
member), so its partitions move to other instances only after the session timeout — as a crashed
one's do with or without static membership.

FastStream builds all the consumers of one subscriber (``max_workers``) with the same arguments,
so the instance id is added here, in the broker's consumer builder: ``<service>.<instance>.<n>``,
``n`` counting the group's consumers in the order they are built (0 to workers - 1, the same order
at every start).
"""

import socket
from collections import Counter
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer

ConsumerBuilder = Callable[..., AIOKafkaConsumer]


def instance_name(configured: str | None, http_port: int | None) -> str:
    """This process's name among its service's instances: ``configured``, else the host name and the HTTP port."""
    if configured:
        return configured
    return f"{socket.gethostname()}-{http_port if http_port is not None else 'default-port'}"


class StaticMembers:
    """A consumer builder giving each consumer of a group its stable ``group.instance.id``."""

    def __init__(
        self, build: ConsumerBuilder, *, service: str, instance: str, workers: int, session_timeout_seconds: float
    ) -> None:
        self.build = build
        self.prefix = f"{service}.{instance}"
        self.workers = workers
        self.session_timeout_ms = int(session_timeout_seconds * 1000)
        self.built: Counter[str] = Counter()

    def instance_id(self, group_id: str) -> str:
        """The next consumer of ``group_id``'s instance id; the count wraps at ``workers`` (a subscriber restarted)."""
        n = self.built[group_id] % self.workers
        self.built[group_id] += 1
        return f"{self.prefix}.{n}"

    def __call__(self, *args: Any, group_id: str | None = None, **kwargs: Any) -> AIOKafkaConsumer:
        # No group (a reader of assigned partitions): nothing to be a member of; an id set by hand is kept.
        if group_id is not None and kwargs.get("group_instance_id") is None:
            kwargs["group_instance_id"] = self.instance_id(group_id)
            kwargs["session_timeout_ms"] = self.session_timeout_ms
            kwargs["heartbeat_interval_ms"] = min(3000, self.session_timeout_ms // 3)
        return self.build(*args, group_id=group_id, **kwargs)
