"""Runs the four services as local processes: for ``make demo`` and the end-to-end tests.

    python deploy/local/stack.py start [service …]     # start the services that are not running, wait until ready
    python deploy/local/stack.py start --standins      # … pointed at the stand-ins standins.sh runs
    python deploy/local/stack.py restart department    # stop it (SIGTERM) and start it again
    python deploy/local/stack.py stop [service …]      # stop them (all when none is named)
    python deploy/local/stack.py status                # each one's state; exit 0 when all four are ready

Each service is ``python -m services.<name>`` with its own port; logs and pid files go
to ``<LIENTHONG_LOCAL_DIR>/run``. Readiness is the service's own ``/readyz`` (database
and broker checked), never a fixed sleep.

A service counts as running only if its pid is alive, not a zombie, and really that service
of this stack (``-m services.<name>`` with this run directory in its environment); a stale
pid file is removed, and a copy running without its pid file is found and adopted, so a start
never runs a second copy. The environment the services were started with (``LIENTHONG_*`` and
``OTEL_*`` variables: JWKS file, tracing, the stand-ins' addresses…) and their ports are kept
in ``<run>/stack.json`` and used again by every later ``start`` and ``restart``; a variable set
when calling overrides the kept one (and is kept in its place). Each service connects to Kafka
as its own principal: its ``LIENTHONG_KAFKA_USERNAME``/``…_PASSWORD`` come from the local
broker's ``<LIENTHONG_LOCAL_DIR>/kafka/credentials.json`` at every start and are never kept; so
do the keys of pseudonyms and lookup secrets (``local_keys.py``, unless the environment sets them), and intake's
and the department's object store address and key (``objectstore_keys.py``, unless the environment names a store).
The services read their database login's password from the folder's ``postgres-roles.pgpass`` (written by
``postgres.sh``).
"""

import argparse
import contextlib
import fcntl
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
from kafka_principals import credentials_file, load, local_dir, services_env
from local_keys import keys_env
from objectstore_keys import for_keepers, object_store_env
from signing_ca import CERT_VARIABLE, signing_ca_env
from standins.process import StandinServers

from services.registry import SERVICES

REPO = Path(__file__).resolve().parents[2]
DEFAULT_PORTS = {service.name: service.port for service in SERVICES}
STACK_MARKER = "LIENTHONG_STACK_DIR"
"""Set in every service's environment to its stack's run directory: how a pid is recognised as ours."""
KEPT_PREFIXES = ("LIENTHONG_", "OTEL_")
NOT_KEPT = {
    "LIENTHONG_HTTP_PORT",
    STACK_MARKER,
    "LIENTHONG_LOCAL_DIR",
    "LIENTHONG_SKIP_UP",
    "LIENTHONG_KAFKA_USERNAME",
    "LIENTHONG_KAFKA_PASSWORD",
}
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class ServiceState:
    """What is true of one service now: its live pid (None when it is not running) and why."""

    name: str
    pid: int | None
    note: str = ""


def process_state(pid: int) -> str | None:
    """The kernel's one-letter state of ``pid`` (``R``, ``S``, ``Z``…), None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def is_alive(pid: int) -> bool:
    """True if ``pid`` is a process that still runs: a zombie (dead, not yet reaped) is not."""
    state = process_state(pid)
    return state is not None and state not in ("Z", "X", "x")


def _write_atomically(path: Path, text: str, mode: int = 0o644) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    tmp.chmod(mode)
    tmp.replace(path)


def _port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class ServiceStack:
    """The four services as processes sharing one environment, with a pid file each in ``run_dir``.

    Processes started here are children (``processes``); those found through a pid file or
    ``/proc`` were started by an earlier invocation and are handled by pid. ``service_env`` adds
    variables to one service's environment only: its own Kafka principal.
    """

    def __init__(
        self,
        run_dir: Path,
        env: Mapping[str, str] | None = None,
        ports: Mapping[str, int] | None = None,
        *,
        detach: bool = False,
        service_env: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.run_dir = run_dir
        self.env = dict(env or {})
        self.service_env = {name: dict(variables) for name, variables in (service_env or {}).items()}
        self.ports = dict(ports or DEFAULT_PORTS)
        self.detach = detach
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.started_at: dict[str, float] = {}
        self.ready_after: dict[str, float] = {}

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def log_file(self, service: str) -> Path:
        return self.run_dir / f"{service}.log"

    def pid_file(self, service: str) -> Path:
        return self.run_dir / f"{service}.pid"

    def _is_ours(self, service: str, pid: int) -> bool:
        """True if ``pid`` runs ``-m services.<service>`` with this stack's run directory in its environment.

        A service started before the run directory was recorded (by an older stack.py) counts as ours when it
        has no stack at all in its environment and serves on this stack's port for it.
        """
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            return False
        module = f"services.{service}".encode()
        if not any(a == b"-m" and b == module for a, b in itertools.pairwise(args)):
            return False
        if f"{STACK_MARKER}={self.run_dir.resolve()}".encode() in environ:
            return True
        unmarked = not any(variable.startswith(f"{STACK_MARKER}=".encode()) for variable in environ)
        return unmarked and f"LIENTHONG_HTTP_PORT={self.ports[service]}".encode() in environ

    def state(self, service: str) -> ServiceState:
        """The service's live pid, from its child process, its pid file or ``/proc``; stale pid files go."""
        process = self.processes.get(service)
        if process is not None:
            if process.poll() is None:  # poll() reaps a dead child: no zombie is left behind
                return ServiceState(service, process.pid)
            del self.processes[service]
        note = ""
        pid_file = self.pid_file(service)
        if pid_file.exists():
            text = pid_file.read_text().strip()
            pid = int(text) if text.isdigit() else 0
            if pid and is_alive(pid) and self._is_ours(service, pid):
                return ServiceState(service, pid)
            if not pid:
                note = f"pid file held {text!r}"
            elif process_state(pid) == "Z":
                note = f"pid {pid} is a zombie (killed, not yet reaped)"
            elif is_alive(pid):
                note = f"pid {pid} is another program"
            else:
                note = f"pid {pid} is dead"
            pid_file.unlink(missing_ok=True)
        for pid in self._scan(service):
            _write_atomically(pid_file, f"{pid}\n")
            return ServiceState(service, pid, "found without its pid file; pid file rewritten")
        return ServiceState(service, None, note)

    def _scan(self, service: str) -> Iterator[int]:
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and int(entry.name) != os.getpid():
                pid = int(entry.name)
                if self._is_ours(service, pid) and is_alive(pid):
                    yield pid

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One start or stop at a time per run directory, so two callers never both start a service."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with (self.run_dir / "stack.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def start(self, services: list[str] | None = None) -> list[str]:
        """Start those of ``services`` (all by default) that are not running; returns the names started."""
        started = []
        with self._locked():
            for name in services or list(self.ports):
                if self.state(name).pid is not None:
                    continue
                port = self.ports[name]
                if _port_in_use(port):
                    raise RuntimeError(f"{name}: port 127.0.0.1:{port} is in use by a process that is not this stack's")
                env = {
                    **os.environ,
                    **self.env,
                    **self.service_env.get(name, {}),
                    "LIENTHONG_HTTP_PORT": str(port),
                    STACK_MARKER: str(self.run_dir.resolve()),
                }
                self.started_at[name] = time.monotonic()
                with self.log_file(name).open("ab") as log:
                    self.processes[name] = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                        [sys.executable, "-m", f"services.{name}"],
                        cwd=REPO,
                        env=env,
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=self.detach,
                    )
                _write_atomically(self.pid_file(name), f"{self.processes[name].pid}\n")
                started.append(name)
        return started

    def wait_ready(self, services: list[str] | None = None, timeout: float = 90.0) -> None:
        """Block until every service answers ``/readyz`` with 200; fail naming the laggard.

        Records in ``ready_after`` how long each service started here took from its start.
        """
        deadline = time.monotonic() + timeout
        pending = list(services or self.ports)
        with httpx.Client(timeout=2) as client:
            while pending:
                for name in list(pending):
                    state = self.state(name)
                    if state.pid is None:
                        process = self.processes.get(name)
                        code = f"exited with {process.returncode}" if process else f"is not running ({state.note})"
                        raise RuntimeError(f"{name} {code}; see {self.log_file(name)}")
                    try:
                        ready = client.get(f"{self.url(name)}/readyz").status_code == 200
                    except httpx.HTTPError:
                        ready = False
                    if ready:
                        pending.remove(name)
                        if name in self.started_at:
                            self.ready_after[name] = time.monotonic() - self.started_at.pop(name)
                if pending and time.monotonic() > deadline:
                    raise TimeoutError(f"{', '.join(pending)} not ready after {timeout:.0f} s; see {self.run_dir}")
                if pending:
                    time.sleep(POLL_SECONDS)

    def kill(self, service: str, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the service and wait until it is gone (its pid file stays, as after a crash)."""
        pid = self.state(service).pid
        if pid is None:
            return
        os.kill(pid, sig)
        self._wait_gone(service, pid, 30)

    def _wait_gone(self, service: str, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes.get(service)
            if process is not None and process.pid == pid:
                if process.poll() is not None:
                    del self.processes[service]
                    return True
            elif not is_alive(pid):
                return True
            time.sleep(POLL_SECONDS)
        return False

    def stop(self, services: list[str] | None = None, timeout: float = 20.0) -> list[str]:
        """SIGTERM the named services (all by default), SIGKILL those still alive after ``timeout``; returns the names
        that were running."""
        with self._locked():
            running = {s.name: s.pid for s in map(self.state, services or list(self.ports)) if s.pid is not None}
            for pid in running.values():
                os.kill(pid, signal.SIGTERM)
            for name, pid in running.items():
                if not self._wait_gone(name, pid, timeout):
                    os.kill(pid, signal.SIGKILL)
                    self._wait_gone(name, pid, 10)
            for name in services or list(self.ports):
                self.pid_file(name).unlink(missing_ok=True)
        return list(running)

    def restart(self, services: list[str], timeout: float = 90.0) -> None:
        """Stop the services (gracefully, so they leave their consumer groups) and start them again."""
        self.stop(services)
        self.start(services)
        self.wait_ready(services, timeout)


def kept_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables of ``environ`` that configure the services, as ``stack.json`` keeps them."""
    return {k: v for k, v in environ.items() if k.startswith(KEPT_PREFIXES) and k not in NOT_KEPT}


def _load(path: Path) -> tuple[dict[str, str], dict[str, int]]:
    """The environment and ports kept in ``stack.json`` (none when there is no such file)."""
    if not path.exists():
        return {}, {}
    data = json.loads(path.read_text())
    return dict(data.get("env", {})), {k: int(v) for k, v in data.get("ports", {}).items() if k in DEFAULT_PORTS}


def _secrets(local_dir: Path, env: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Each service's secrets: its Kafka principal on the local broker (when it has a credentials file), the
    deployment's keys (generated on first use) unless ``env`` gives its own, for intake and the department the
    local object store's address and key unless ``env`` names an object store of its own, and for the department
    the local signing authority (created on first use) unless ``env`` names one."""
    path = credentials_file(local_dir)
    principals = services_env(load(path)) if path.exists() else {}
    keys = {variable: key for variable, key in keys_env(local_dir).items() if variable not in env}
    objects = {} if "LIENTHONG_OBJECT_STORE_ACCESS_KEY" in env else object_store_env(local_dir)
    objects = {variable: value for variable, value in objects.items() if variable not in env}
    secrets = for_keepers({name: {**principals.get(name, {}), **keys} for name in DEFAULT_PORTS}, objects)
    if CERT_VARIABLE not in env:
        secrets["department"] = {**secrets["department"], **signing_ca_env(local_dir)}
    return secrets


def _parse_ports(text: str | None) -> dict[str, int]:
    ports = {}
    for item in filter(None, (text or "").split(",")):
        name, _, port = item.partition("=")
        if name not in DEFAULT_PORTS or not port.isdigit():
            raise SystemExit(f"stack: --ports wants name=port,… with names among {', '.join(DEFAULT_PORTS)}: {item!r}")
        ports[name] = int(port)
    return ports


def _readiness(stack: ServiceStack, name: str) -> str:
    try:
        response = httpx.get(f"{stack.url(name)}/readyz", timeout=2)
    except httpx.HTTPError as error:
        return f"not answering on {stack.url(name)} ({type(error).__name__})"
    if response.status_code == 200:
        return f"ready on {stack.url(name)}"
    return f"not ready on {stack.url(name)}: /readyz {response.status_code} {response.text[:120]}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="stack.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["start", "stop", "restart", "status"])
    among = ", ".join(DEFAULT_PORTS)
    parser.add_argument("services", nargs="*", metavar="service", help=f"among {among}; all by default")
    parser.add_argument("--standins", action="store_true", help="point the services at the stand-ins")
    parser.add_argument("--ports", help="name=port,… instead of the registry's ports (kept for later starts)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.services if name not in DEFAULT_PORTS]
    if unknown:
        parser.error(f"no service called {', '.join(unknown)}; there are {', '.join(DEFAULT_PORTS)}")
    names = args.services or list(DEFAULT_PORTS)

    folder = local_dir().resolve()
    run_dir = folder / "run"
    kept_file = run_dir / "stack.json"
    env, kept_ports = _load(kept_file)
    ports = {**DEFAULT_PORTS, **kept_ports, **_parse_ports(args.ports)}
    if args.command in ("start", "restart"):
        given = {**kept_environment(os.environ)}
        if args.standins:
            given.update(StandinServers(run_dir).service_env())
        for key, value in sorted(given.items()):
            if key in env and env[key] != value:
                print(f"stack: {key} changes from {env[key]!r} (kept in {kept_file}) to {value!r}")
        env.update(given)
        run_dir.mkdir(parents=True, exist_ok=True)
        _write_atomically(kept_file, json.dumps({"env": env, "ports": ports}, indent=2, sort_keys=True) + "\n", 0o600)
    # The services find their folder's secrets (the database roles' password file) under the folder stack.py resolved,
    # whatever the directory a relative LIENTHONG_LOCAL_DIR was given from.
    run_env = {**env, "LIENTHONG_LOCAL_DIR": str(folder)}
    stack = ServiceStack(run_dir, env=run_env, ports=ports, detach=True, service_env=_secrets(folder, env))

    if args.command == "status":
        all_ready = True
        for name in names:
            state = stack.state(name)
            if state.pid is None:
                all_ready = False
                print(f"{name:13} stopped{f' ({state.note})' if state.note else ''}")
                continue
            readiness = _readiness(stack, name)
            all_ready = all_ready and readiness.startswith("ready")
            print(f"{name:13} running (pid {state.pid}), {readiness}{f'; {state.note}' if state.note else ''}")
        return 0 if all_ready else 3
    if args.command == "stop":
        for name in stack.stop(names):
            print(f"stack: stopped {name}")
        return 0
    if args.command == "restart":
        for name in stack.stop(names):
            print(f"stack: stopped {name}")
    for name in names:
        state = stack.state(name)
        if state.pid is not None:
            note = f" ({state.note})" if state.note else ""
            print(f"stack: {name} already running (pid {state.pid}) on {stack.url(name)}{note}")
        else:
            print(f"stack: {name} starting on {stack.url(name)}{f' ({state.note})' if state.note else ''}")
    started = time.monotonic()
    stack.start(names)
    stack.wait_ready(names)
    for name, seconds in stack.ready_after.items():
        print(f"stack: {name} (pid {stack.state(name).pid}) ready {seconds:.1f} s after its start")
    print(f"stack: {', '.join(names)} ready in {time.monotonic() - started:.1f} s (logs in {run_dir})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
