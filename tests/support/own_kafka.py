"""A single-node Kafka of a test's own, run by ``deploy/local/kafka.sh`` in a folder and on ports of its own.

A test that stops or kills a broker must never touch the one other tests share (19092). This
one keeps its data, configuration, log and pid file under ``local_dir/kafka`` and borrows the
shared broker's installed classpath (a symbolic link to its ``libs``), so nothing is
downloaded; without an installed classpath ``kafka.sh`` installs one with Maven as usual.
"""

import os
import signal
import subprocess
import time
from pathlib import Path

from kafka_principals import ADMIN
from standins.ports import free_port

from shared.kernel.settings import CommonSettings
from tests.support.kafka import Principals

REPO = Path(__file__).resolve().parents[2]
KAFKA_SH = REPO / "deploy" / "local" / "kafka.sh"
INSTALL_MARKER = ".installed-from-pom.sha256"


def shared_libs() -> Path:
    """The classpath the shared broker was installed with (``<LIENTHONG_LOCAL_DIR or .local>/kafka/libs``)."""
    return Path(os.environ.get("LIENTHONG_LOCAL_DIR") or REPO / ".local") / "kafka" / "libs"


class OwnKafka:
    """``kafka.sh start | stop`` on ``local_dir`` and two free ports, and a ``kill -9`` of that broker only."""

    def __init__(self, local_dir: Path) -> None:
        self.local_dir = local_dir
        self.port = free_port()
        self.controller_port = free_port()
        while self.controller_port == self.port:
            self.controller_port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
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
    def log_file(self) -> Path:
        return self.local_dir / "kafka" / "kafka.log"

    def _run(self, command: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "LIENTHONG_LOCAL_DIR": str(self.local_dir),
            "LIENTHONG_KAFKA_PORT": str(self.port),
            "LIENTHONG_KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "LIENTHONG_STOP_TIMEOUT": "20",
        }
        result = subprocess.run(
            [str(KAFKA_SH), command], env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"kafka.sh {command} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
        return result

    def start(self) -> None:
        """Start (formatting the storage the first time) and wait until it answers; kafka.sh's readiness."""
        self._run("start")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 20 s: a clean shutdown."""
        self._run("stop")

    def pid(self) -> int | None:
        pid_file = self.local_dir / "kafka" / "kafka.pid"
        text = pid_file.read_text().strip() if pid_file.exists() else ""
        return int(text) if text.isdigit() else None

    def kill(self, timeout: float = 10.0) -> None:
        """``kill -9`` this broker (never another) and wait until it is gone: a crash, no shutdown at all."""
        pid = self.pid()
        assert pid is not None, "this broker is not running"
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert str(self.local_dir / "kafka" / "server.properties").encode() in cmdline, "not this test's broker"
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
