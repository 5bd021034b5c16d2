"""``deploy/local/stack.py`` as a user runs it: a killed service comes back alone, a restart keeps the clerks trusted.

The stack here is the command line's own (its own local folder, ports, database and topic prefix), never the
session's ``stack`` fixture nor a ``make demo`` stack.
"""

import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from kafka_principals import credentials_file, local_dir
from objectstore_keys import credentials_file as object_store_credentials
from stack import DEFAULT_PORTS, STACK_MARKER
from standins.ports import free_port
from standins.process import StandinServers

from shared.kernel.settings import CommonSettings, local_passfile
from tests.support import clerks
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, open_task, submit
from tests.support.kafka import Principals

REPO = Path(__file__).resolve().parents[2]
STACK_PY = REPO / "deploy" / "local" / "stack.py"
BARE_ENV = ("PATH", "HOME", "LANG")
"""All a shell that never saw ``make demo`` passes on, besides the local folder."""


def _but_department(pids: dict[str, int]) -> dict[str, int]:
    return {name: pid for name, pid in pids.items() if name != "department"}


class StackCommand:
    """``stack.py`` run as a separate process on one local folder."""

    def __init__(self, local_dir: Path) -> None:
        self.local_dir = local_dir
        self.run_dir = local_dir / "run"

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        base = {k: os.environ[k] for k in BARE_ENV if k in os.environ}
        full_env = {**base, **(env or {}), "LIENTHONG_LOCAL_DIR": str(self.local_dir)}
        result = subprocess.run(
            [sys.executable, str(STACK_PY), *args],
            env=full_env,
            capture_output=True,
            text=True,
            timeout=150,
            check=False,
        )
        print(f"$ stack.py {' '.join(args)} -> {result.returncode}\n{result.stdout}{result.stderr}")
        return result

    def pids(self) -> dict[str, int]:
        return {name: int((self.run_dir / f"{name}.pid").read_text()) for name in DEFAULT_PORTS}

    def processes(self) -> dict[str, list[int]]:
        """Every live process of this stack, by service, found through ``/proc`` (not through pid files)."""
        marker = f"{STACK_MARKER}={self.run_dir.resolve()}".encode()
        found: dict[str, list[int]] = {name: [] for name in DEFAULT_PORTS}
        for entry in Path("/proc").iterdir():
            try:
                environ = (entry / "environ").read_bytes().split(b"\0")
                args = (entry / "cmdline").read_bytes().split(b"\0")
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if marker in environ and state != "Z":
                for name in DEFAULT_PORTS:
                    if f"services.{name}".encode() in args:
                        found[name].append(int(entry.name))
        return found


async def _as_admin(database_url: str, statement: str) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="module")
async def own_database(settings: CommonSettings) -> AsyncIterator[str]:
    """A database of the stack's own, beside the test run's, so two stacks never share tables."""
    server, name = settings.database_url.rsplit("/", 1)
    await _as_admin(settings.database_url, f'CREATE DATABASE "{name}_stack"')
    yield f"{server}/{name}_stack"
    await _as_admin(settings.database_url, f'DROP DATABASE IF EXISTS "{name}_stack" WITH (FORCE)')


@pytest.fixture(scope="module")
async def own_prefix(settings: CommonSettings, kafka_principals: Principals) -> str:
    """A topic prefix of the stack's own, its topics and ACLs made by the broker's administrator."""
    prefix = f"{settings.topic_prefix}stack."
    await kafka_principals.provision(settings, prefix)
    return prefix


@pytest.fixture(scope="module")
def command(
    settings: CommonSettings,
    own_database: str,
    own_prefix: str,
    standins: StandinServers,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[StackCommand]:
    """The four services started by ``stack.py start`` with the environment ``make demo`` would give them."""
    local = tmp_path_factory.mktemp("local")
    # The folder's broker, database cluster and object store are the shared ones: their passwords go where stack.py
    # and the services look for those of their folder's (the broker's principals, the cluster's login roles, the
    # object store's key).
    shared = local_dir()
    for shared_secret, own in (
        (credentials_file(shared), credentials_file(local)),
        (local_passfile(shared), local_passfile(local)),
        (object_store_credentials(shared), object_store_credentials(local)),
    ):
        if shared_secret.exists():
            own.parent.mkdir(parents=True, exist_ok=True)
            own.symlink_to(shared_secret)
    jwks = clerks.issuer().write_jwks(local / "jwks.json")
    demo_env = {
        "LIENTHONG_DATABASE_URL": own_database,
        "LIENTHONG_TOPIC_PREFIX": own_prefix,
        "LIENTHONG_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "LIENTHONG_JWKS_FILE": str(jwks),
        "LIENTHONG_JWT_ISSUER": clerks.issuer().issuer,
        "LIENTHONG_JWT_AUDIENCE": clerks.issuer().audience,
        "LIENTHONG_OUTBOX_POLL_SECONDS": "0.2",
        "OTEL_TRACES_EXPORTER": "none",
        **standins.service_env(),
    }
    stack = StackCommand(local)
    ports = ",".join(f"{name}={free_port()}" for name in DEFAULT_PORTS)
    started = stack("start", "--ports", ports, env=demo_env)
    try:
        assert started.returncode == 0, started.stderr
        yield stack
    finally:
        stack("stop")
        for name in DEFAULT_PORTS:
            log = (stack.run_dir / f"{name}.log").read_text(errors="replace")
            if "Traceback" in log:
                print(f"--- {name} log (has tracebacks) ---\n{log[-4000:]}")


def test_start_after_a_kill_brings_back_only_the_killed_service(command: StackCommand) -> None:
    before = command.pids()
    os.kill(before["department"], signal.SIGKILL)  # no wait: it may still be a zombie when status and start look

    status = command("status")
    assert status.returncode == 3
    assert "department    stopped" in status.stdout

    started = command("start")
    assert started.returncode == 0, started.stderr
    after = command.pids()
    assert _but_department(after) == _but_department(before)
    assert after["department"] != before["department"]
    assert command.processes() == {name: [pid] for name, pid in after.items()}

    again = command("start")  # nothing missing: nothing started, pid files unchanged
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("already running") == len(DEFAULT_PORTS)
    assert command.pids() == after
    assert command("status").returncode == 0


def test_a_lost_pid_file_is_found_again_instead_of_starting_a_second_copy(command: StackCommand) -> None:
    before = command.pids()
    (command.run_dir / "intake.pid").unlink()

    assert "intake        stopped" not in command("status").stdout
    started = command("start", "intake")

    assert started.returncode == 0, started.stderr
    assert command.pids() == before
    assert command.processes()["intake"] == [before["intake"]]


async def test_a_department_restarted_from_a_bare_shell_still_trusts_the_clerks(command: StackCommand) -> None:
    before = command.pids()

    restarted = command("restart", "department")  # no JWKS, database or stand-ins in this environment

    assert restarted.returncode == 0, restarted.stderr
    after = command.pids()
    assert after["department"] != before["department"]
    assert _but_department(after) == _but_department(before)
    ports = json.loads((command.run_dir / "stack.json").read_text())["ports"]
    unit = f"{BIRTH_IN_QUYNH_LUU['commune_code']}.VP"  # a birth: received with its papers, no fee to pay first
    async with httpx.AsyncClient(headers=clerks.harness_headers(), timeout=10) as http:
        code = (await submit(http, f"http://127.0.0.1:{ports['intake']}", BIRTH_IN_QUYNH_LUU))["code"]
        task = await open_task(http, f"http://127.0.0.1:{ports['department']}", unit, code)
    assert task["unit_code"] == unit
