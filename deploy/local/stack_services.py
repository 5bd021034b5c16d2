"""The services as processes sharing one environment, one pid file per instance: what ``stack.py`` drives.

A process counts as running only if its pid is alive, not a zombie, and really that instance of this
stack (``-m services.<name>`` with this run directory and the instance's name in its environment); a
stale pid file is removed, and a copy running without its pid file is found and adopted, so a start
never runs a second copy.
"""

import contextlib
import fcntl
import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
from stack_instances import DEFAULT_PORTS, instance_env, service_of, split_key
from stack_processes import (
    POLL_SECONDS,
    command_line,
    environment,
    is_alive,
    other_pids,
    port_in_use,
    process_state,
    write_atomically,
)

REPO = Path(__file__).resolve().parents[2]
STACK_MARKER = "LIENTHONG_STACK_DIR"
"""Set in every service's environment to its stack's run directory: how a pid is recognised as ours."""
INSTANCE_MARKER = "LIENTHONG_STACK_INSTANCE"
"""Set in every service's environment to its instance's name (``routing``, ``routing-2``…)."""


@dataclass(frozen=True)
class ServiceState:
    """What is true of one instance now: its live pid (None when it is not running) and why."""

    name: str
    pid: int | None
    note: str = ""


class ServiceStack:
    """The services' instances as processes sharing one environment, with a pid file each in ``run_dir``.

    ``ports`` names the instances (see :mod:`stack_instances`: ``routing``, ``routing-2``…) and gives
    each its port; by default one instance of each service on the registry's port. Methods about one
    process (``url``, ``state``, ``kill``…) take an instance's name, the service's own for its first;
    ``start``, ``stop``, ``restart`` and ``wait_ready`` take services (each meaning all its instances)
    or instances. Processes started here are children (``processes``); those found through a pid file
    or ``/proc`` were started by an earlier invocation and are handled by pid. ``service_env`` adds
    variables to one service's instances only: its own Kafka principal.
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
        self.ports = dict(DEFAULT_PORTS if ports is None else ports)
        for key in self.ports:
            split_key(key)  # every name is a service's or an instance's
        self.detach = detach
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.started_at: dict[str, float] = {}
        self.ready_after: dict[str, float] = {}

    def url(self, instance: str) -> str:
        return f"http://127.0.0.1:{self.ports[instance]}"

    def urls(self, service: str) -> list[str]:
        """The address of each instance of ``service``, the first's first."""
        return [self.url(key) for key in self.instances(service)]

    def instances(self, service: str) -> list[str]:
        """The names of ``service``'s instances in this stack, the first's first."""
        return [key for key in self.ports if service_of(key) == service]

    def names(self, services: Iterable[str] | None = None) -> list[str]:
        """The instances ``services`` stands for: every instance of a service named, an instance named itself."""
        if services is None:
            return list(self.ports)
        chosen: list[str] = []
        for name in services:
            chosen.extend(self.instances(name) if name in DEFAULT_PORTS else [name])
        return list(dict.fromkeys(chosen))

    def log_file(self, instance: str) -> Path:
        return self.run_dir / f"{instance}.log"

    def pid_file(self, instance: str) -> Path:
        return self.run_dir / f"{instance}.pid"

    def _is_ours(self, instance: str, pid: int) -> bool:
        """True if ``pid`` runs ``-m services.<service>`` as ``instance`` of this stack (its run directory and name).

        A process started by a stack.py that named no instance counts as the first; one started before the
        run directory was recorded counts as ours when it has no stack at all in its environment and serves on
        this stack's port for it.
        """
        args, environ = command_line(pid), environment(pid)
        if args is None or environ is None:
            return False
        module = f"services.{service_of(instance)}".encode()
        if not any(a == b"-m" and b == module for a, b in itertools.pairwise(args)):
            return False
        if environ.get(STACK_MARKER) == str(self.run_dir.resolve()):
            return environ.get(INSTANCE_MARKER, service_of(instance)) == instance
        port = self.ports.get(instance)
        return STACK_MARKER not in environ and port is not None and environ.get("LIENTHONG_HTTP_PORT") == str(port)

    def state(self, instance: str) -> ServiceState:
        """The instance's live pid, from its child process, its pid file or ``/proc``; stale pid files go."""
        process = self.processes.get(instance)
        if process is not None:
            if process.poll() is None:  # poll() reaps a dead child: no zombie is left behind
                return ServiceState(instance, process.pid)
            del self.processes[instance]
        note = ""
        pid_file = self.pid_file(instance)
        if pid_file.exists():
            text = pid_file.read_text().strip()
            pid = int(text) if text.isdigit() else 0
            if pid and is_alive(pid) and self._is_ours(instance, pid):
                return ServiceState(instance, pid)
            if not pid:
                note = f"pid file held {text!r}"
            elif process_state(pid) == "Z":
                note = f"pid {pid} is a zombie (killed, not yet reaped)"
            elif is_alive(pid):
                note = f"pid {pid} is another program"
            else:
                note = f"pid {pid} is dead"
            pid_file.unlink(missing_ok=True)
        for pid in other_pids():
            if self._is_ours(instance, pid) and is_alive(pid):
                write_atomically(pid_file, f"{pid}\n")
                return ServiceState(instance, pid, "found without its pid file; pid file rewritten")
        return ServiceState(instance, None, note)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One start or stop at a time per run directory, so two callers never both start a service."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with (self.run_dir / "stack.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _environment(self, instance: str) -> dict[str, str]:
        service = service_of(instance)
        given = {**os.environ, **self.env, **self.service_env.get(service, {})}
        port = self.ports[instance]
        return {
            **given,
            **instance_env(instance, len(self.instances(service)), port, given),
            "LIENTHONG_HTTP_PORT": str(port),
            STACK_MARKER: str(self.run_dir.resolve()),
            INSTANCE_MARKER: instance,
        }

    def start(self, services: list[str] | None = None) -> list[str]:
        """Start the instances of ``services`` (all by default) that are not running; returns the names started."""
        started = []
        with self._locked():
            for name in self.names(services):
                if self.state(name).pid is not None:
                    continue
                port = self.ports[name]
                if port_in_use(port):
                    raise RuntimeError(f"{name}: port 127.0.0.1:{port} is in use by a process that is not this stack's")
                self.started_at[name] = time.monotonic()
                with self.log_file(name).open("ab") as log:
                    self.processes[name] = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                        [sys.executable, "-m", f"services.{service_of(name)}"],
                        cwd=REPO,
                        env=self._environment(name),
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=self.detach,
                    )
                write_atomically(self.pid_file(name), f"{self.processes[name].pid}\n")
                started.append(name)
        return started

    def wait_ready(self, services: list[str] | None = None, timeout: float = 90.0) -> None:
        """Block until every instance answers ``/readyz`` with 200; fail naming the laggard.

        Records in ``ready_after`` how long each instance started here took from its start.
        """
        deadline = time.monotonic() + timeout
        pending = self.names(services)
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

    def kill(self, instance: str, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the instance and wait until it is gone (its pid file stays, as after a crash)."""
        pid = self.state(instance).pid
        if pid is None:
            return
        os.kill(pid, sig)
        self._wait_gone(instance, pid, 30)

    def _wait_gone(self, instance: str, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes.get(instance)
            if process is not None and process.pid == pid:
                if process.poll() is not None:
                    del self.processes[instance]
                    return True
            elif not is_alive(pid):
                return True
            time.sleep(POLL_SECONDS)
        return False

    def stop(self, services: list[str] | None = None, timeout: float = 20.0) -> list[str]:
        """SIGTERM the instances of ``services`` (all by default), SIGKILL those still alive after ``timeout``;
        returns the names that were running."""
        names = self.names(services)
        with self._locked():
            running = {s.name: s.pid for s in map(self.state, names) if s.pid is not None}
            for pid in running.values():
                os.kill(pid, signal.SIGTERM)
            for name, pid in running.items():
                if not self._wait_gone(name, pid, timeout):
                    os.kill(pid, signal.SIGKILL)
                    self._wait_gone(name, pid, 10)
            for name in names:
                self.pid_file(name).unlink(missing_ok=True)
        return list(running)

    def restart(self, services: list[str], timeout: float = 90.0) -> None:
        """Stop the instances (gracefully, so they leave their consumer groups) and start them again."""
        self.stop(services)
        self.start(services)
        self.wait_ready(services, timeout)
