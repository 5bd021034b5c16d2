"""A Kafka of a test's own, run by ``deploy/local/kafka.sh`` in a folder and on ports of its own: one node, or a
replicated cluster (``brokers=3``).

A test that stops or kills a broker must never touch the one other tests share (19092). This
one keeps its data, configuration, log and pid file under ``local_dir/kafka`` (a cluster's node
n under ``local_dir/kafka/broker-n``) and borrows the shared broker's installed classpath (a
symbolic link to its ``libs``), so nothing is downloaded; without an installed classpath
``kafka.sh`` installs one with Maven as usual.
"""

import os
import random
import signal
import socket
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from kafka_principals import ADMIN
from standins.ports import HOST, free_port

from shared.kernel.kafka_connection import kafka_connection
from shared.kernel.settings import CommonSettings
from tests.support.kafka import Principals

REPO = Path(__file__).resolve().parents[2]
KAFKA_SH = REPO / "deploy" / "local" / "kafka.sh"
INSTALL_MARKER = ".installed-from-pom.sha256"


def shared_libs() -> Path:
    """The classpath the shared broker was installed with (``<LIENTHONG_LOCAL_DIR or .local>/kafka/libs``)."""
    return Path(os.environ.get("LIENTHONG_LOCAL_DIR") or REPO / ".local") / "kafka" / "libs"


class OwnKafka:
    """``kafka.sh start | stop`` on ``local_dir`` and free ports, and a ``kill -9`` of one of its brokers only.

    ``brokers`` > 1 makes a cluster: node n (1..brokers) listens on ``port + 2(n-1)`` and its
    controller on ``controller_port + 2(n-1)`` (kafka.sh derives them so), a block of free ports.
    At every start kafka.sh makes the topics and ACLs of ``topic_prefix``, the deployment it serves.
    """

    def __init__(self, local_dir: Path, brokers: int = 1, topic_prefix: str = "") -> None:
        self.local_dir = local_dir
        self.brokers = brokers
        self.topic_prefix = topic_prefix
        if brokers == 1:
            self.port = free_port()
            self.controller_port = free_port()
            while self.controller_port == self.port:
                self.controller_port = free_port()
        else:
            self.port = free_port_block(2 * brokers)
            self.controller_port = self.port + 1
        self.ports = {node: self.port + 2 * (node - 1) for node in self.nodes}
        """Each node's broker port."""
        self.bootstrap = ",".join(f"127.0.0.1:{port}" for port in self.ports.values())
        libs = shared_libs()
        own_libs = local_dir / "kafka" / "libs"
        if (libs / INSTALL_MARKER).exists() and not own_libs.exists():
            own_libs.parent.mkdir(parents=True, exist_ok=True)
            own_libs.symlink_to(libs.resolve(), target_is_directory=True)

    @property
    def principals(self) -> Principals:
        """This broker's principals (kafka.sh generates their passwords at its first start)."""
        return Principals.of(self.local_dir)

    def admin_settings(self, base: CommonSettings) -> CommonSettings:
        """``base`` on this broker, as its super user."""
        return self.principals.settings(base.model_copy(update={"kafka_bootstrap_servers": self.bootstrap}), ADMIN)

    @property
    def nodes(self) -> range:
        """The nodes' ids (1 for the single node, whose id kafka.sh makes 1)."""
        return range(1, self.brokers + 1)

    def node_dir(self, node: int = 1) -> Path:
        """Where ``node`` keeps its data, configuration, log and pid file."""
        return self.local_dir / "kafka" / (f"broker-{node}" if self.brokers > 1 else "")

    @property
    def log_file(self) -> Path:
        return self.node_dir() / "kafka.log"

    def _run(self, command: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "LIENTHONG_LOCAL_DIR": str(self.local_dir),
            "LIENTHONG_KAFKA_PORT": str(self.port),
            "LIENTHONG_KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "LIENTHONG_KAFKA_BROKERS": str(self.brokers),
            "LIENTHONG_TOPIC_PREFIX": self.topic_prefix,
            "LIENTHONG_STOP_TIMEOUT": "20",
        }
        result = subprocess.run(
            [str(KAFKA_SH), command], env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"kafka.sh {command} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
        return result

    def start(self) -> None:
        """Start (formatting the storage the first time) and wait until it answers; kafka.sh's readiness.

        On a cluster, the nodes that do not run (one killed) are started, and the wait is for every node.
        """
        self._run("start")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 20 s: a clean shutdown (of every node)."""
        self._run("stop")

    def pid(self, node: int = 1) -> int | None:
        pid_file = self.node_dir(node) / "kafka.pid"
        text = pid_file.read_text().strip() if pid_file.exists() else ""
        return int(text) if text.isdigit() else None

    def kill(self, timeout: float = 10.0, node: int = 1) -> None:
        """``kill -9`` this broker (a cluster's ``node``, never another) and wait until it is gone: a crash, no
        shutdown at all."""
        pid = self.pid(node)
        assert pid is not None, f"broker {node} is not running"
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert str(self.node_dir(node) / "server.properties").encode() in cmdline, "not this test's broker"
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while _alive(pid):
            if time.monotonic() > deadline:
                raise RuntimeError(f"broker pid {pid} survived SIGKILL for {timeout:.0f} s")
            time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X", "x")


def free_port_block(size: int, attempts: int = 50) -> int:
    """The first of ``size`` consecutive TCP ports on 127.0.0.1 nobody listens on now, below the range the system
    hands out for ``free_port`` (so none of them is taken by another test's server meanwhile)."""
    for _ in range(attempts):
        first = random.randrange(20000, 30000 - size)
        if all(_bindable(port) for port in range(first, first + size)):
            return first
    raise RuntimeError(f"no {size} consecutive free ports found in {attempts} attempts")


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


@dataclass(frozen=True)
class Partition:
    """One partition's replicas as the cluster's metadata has them now."""

    topic: str
    partition: int
    leader: int
    replicas: tuple[int, ...]
    isr: tuple[int, ...]


async def partitions(settings: CommonSettings, topics: Iterable[str]) -> list[Partition]:
    """The leader, replicas and in-sync replicas of every partition of ``topics`` (an admin client's describe)."""
    admin = AIOKafkaAdminClient(**kafka_connection(settings), request_timeout_ms=5000)
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    return [
        Partition(t["topic"], p["partition"], p["leader"], tuple(p["replicas"]), tuple(p["isr"]))
        for t in described
        for p in t["partitions"]
    ]
