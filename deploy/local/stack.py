"""Runs the four services as local processes: for ``make demo`` and the end-to-end tests.

    python deploy/local/stack.py start   # start (or reuse) the services, wait until ready
    python deploy/local/stack.py start --standins   # … pointed at the stand-ins standins.sh runs
    python deploy/local/stack.py stop    # stop them
    python deploy/local/stack.py status

Each service is ``python -m services.<name>`` with its own port; logs and pid files go
to ``<LIENTHONG_LOCAL_DIR>/run``. Readiness is the service's own ``/readyz`` (database
and broker checked), never a fixed sleep.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx
from standins.process import StandinServers

from services.registry import SERVICES

REPO = Path(__file__).resolve().parents[2]
DEFAULT_PORTS = {service.name: service.port for service in SERVICES}


class ServiceStack:
    """The four services as child processes sharing one environment."""

    def __init__(self, run_dir: Path, env: Mapping[str, str] | None = None, ports: Mapping[str, int] | None = None):
        self.run_dir = run_dir
        self.env = dict(env or {})
        self.ports = dict(ports or DEFAULT_PORTS)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def log_file(self, service: str) -> Path:
        return self.run_dir / f"{service}.log"

    def start(self, services: list[str] | None = None) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        for name in services or list(self.ports):
            env = {**os.environ, **self.env, "LIENTHONG_HTTP_PORT": str(self.ports[name])}
            with self.log_file(name).open("ab") as log:
                self.processes[name] = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                    [sys.executable, "-m", f"services.{name}"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
                )
            (self.run_dir / f"{name}.pid").write_text(str(self.processes[name].pid))

    def wait_ready(self, services: list[str] | None = None, timeout: float = 90.0) -> None:
        """Block until every service answers ``/readyz`` with 200; fail naming the laggard."""
        deadline = time.monotonic() + timeout
        for name in services or list(self.ports):
            while True:
                process = self.processes.get(name)
                if process is not None and process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}; see {self.log_file(name)}")
                try:
                    if httpx.get(f"{self.url(name)}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{name} not ready after {timeout:.0f} s; see {self.log_file(name)}")
                time.sleep(0.2)

    def kill(self, service: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(service)
        process.send_signal(sig)
        process.wait(timeout=30)

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for name, process in self.processes.items():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            (self.run_dir / f"{name}.pid").unlink(missing_ok=True)
        self.processes.clear()


def _pids(run_dir: Path) -> dict[str, int]:
    pids = {}
    for pid_file in run_dir.glob("*.pid"):
        pid = int(pid_file.read_text())
        try:
            os.kill(pid, 0)
            pids[pid_file.stem] = pid
        except ProcessLookupError:
            pid_file.unlink()
    return pids


def main(command: str, *, with_standins: bool = False) -> int:
    run_dir = Path(os.environ.get("LIENTHONG_LOCAL_DIR", REPO / ".local")) / "run"
    running = _pids(run_dir) if run_dir.exists() else {}
    if command == "status":
        for name in DEFAULT_PORTS:
            state = f"running (pid {running[name]})" if name in running else "stopped"
            print(f"{name:13} {state}")
        return 0
    if command == "stop":
        for name, pid in running.items():
            os.kill(pid, signal.SIGTERM)
            print(f"stack: stopping {name} (pid {pid})")
        deadline = time.monotonic() + 20
        while _pids(run_dir) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in _pids(run_dir).values():
            os.kill(pid, signal.SIGKILL)
        return 0
    if command == "start":
        stack = ServiceStack(run_dir, env=StandinServers(run_dir).service_env() if with_standins else None)
        missing = [name for name in DEFAULT_PORTS if name not in running]
        for name in DEFAULT_PORTS:
            print(f"stack: {name} {'already running' if name in running else 'starting'} on {stack.url(name)}")
        started = time.monotonic()
        stack.start(missing)
        stack.wait_ready()
        print(f"stack: four services ready in {time.monotonic() - started:.1f} s (logs in {run_dir})")
        return 0
    print(f"usage: {sys.argv[0]} start [--standins]|stop|status", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "", with_standins="--standins" in sys.argv[2:]))
