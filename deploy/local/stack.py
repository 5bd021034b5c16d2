"""Runs the four services as local processes, one or more instances of each: for ``make demo`` and the e2e tests.

    python deploy/local/stack.py start [service …]     # start the instances that are not running, wait until ready
    python deploy/local/stack.py start --standins      # … pointed at the stand-ins standins.sh runs
    python deploy/local/stack.py start --instances routing=3   # three routing processes (all=2: two of each)
    python deploy/local/stack.py restart department    # stop it (SIGTERM) and start it again, every instance
    python deploy/local/stack.py stop [service …]      # stop them (all when none is named)
    python deploy/local/stack.py status                # each instance's state; exit 0 when all are ready

Each instance is ``python -m services.<name>`` with its own port and instance id (``stack_instances.py``);
a service's name stands for all its instances, ``routing-2`` for one. Logs and pid files go to
``<LIENTHONG_LOCAL_DIR>/run``, one of each per instance. Readiness is the service's own ``/readyz``
(database and broker checked), never a fixed sleep. Which process is which instance, and how a stale
pid file or a copy without one is found: ``stack_services.py``. What is kept between calls in
``<run>/stack.json`` (environment, ports, instances) and the secrets given at every start, never kept:
``stack_config.py``. The services read their database login's password from the folder's
``postgres-roles.pgpass`` (written by ``postgres.sh``).
"""

import argparse
import os
import sys
import time
from pathlib import Path

import httpx
from kafka_principals import local_dir
from stack_config import Kept, kept_environment, parse_ports, secrets
from stack_instances import DEFAULT_PORTS, instance_ports, is_instance, parse_counts, split_key
from stack_processes import environment
from stack_services import REPO, STACK_MARKER, ServiceStack, ServiceState
from standins.process import StandinServers

__all__ = ["DEFAULT_PORTS", "REPO", "STACK_MARKER", "ServiceStack", "ServiceState", "main"]


def _readiness(stack: ServiceStack, name: str) -> str:
    try:
        response = httpx.get(f"{stack.url(name)}/readyz", timeout=2)
    except httpx.HTTPError as error:
        return f"not answering on {stack.url(name)} ({type(error).__name__})"
    if response.status_code == 200:
        return f"ready on {stack.url(name)}"
    return f"not ready on {stack.url(name)}: /readyz {response.status_code} {response.text[:120]}"


def _surplus(run_dir: Path, kept: Kept, counts: dict[str, int]) -> dict[str, int]:
    """Instances beyond each service's count that may still run: kept from before, or with a pid file."""
    known = {*kept.ports, *(path.stem for path in run_dir.glob("*-*.pid") if is_instance(path.stem))}
    beyond = {key for key in known if split_key(key)[1] > counts.get(split_key(key)[0], 1)}
    return {key: kept.ports.get(key, 0) for key in sorted(beyond)}


def _status(stack: ServiceStack, names: list[str]) -> int:
    all_ready = True
    for name in names:
        state = stack.state(name)
        if state.pid is None:
            all_ready = False
            print(f"{name:13} stopped{f' ({state.note})' if state.note else ''}")
            continue
        readiness = _readiness(stack, name)
        all_ready = all_ready and readiness.startswith("ready")
        instance = (environment(state.pid) or {}).get("LIENTHONG_INSTANCE_ID", "?")
        note = f"; {state.note}" if state.note else ""
        print(f"{name:13} running (pid {state.pid}, instance id {instance}), {readiness}{note}")
    return 0 if all_ready else 3


def _start(stack: ServiceStack, names: list[str], run_dir: Path) -> int:
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


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="stack.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["start", "stop", "restart", "status"])
    among = ", ".join(DEFAULT_PORTS)
    parser.add_argument("services", nargs="*", metavar="service", help=f"among {among} (or routing-2…); all by default")
    parser.add_argument("--standins", action="store_true", help="point the services at the stand-ins")
    parser.add_argument("--ports", help="name=port,… instead of the registry's ports (kept for later starts)")
    parser.add_argument(
        "--instances", help="service=n,… or all=n: instances of each service (kept for later starts; default 1)"
    )
    args = parser.parse_args(argv)
    try:
        given_ports, given_counts = parse_ports(args.ports), parse_counts(args.instances)
    except ValueError as error:
        parser.error(str(error))

    folder = local_dir().resolve()
    run_dir = folder / "run"
    kept_file = run_dir / "stack.json"
    kept = Kept.read(kept_file)
    counts = {name: 1 for name in DEFAULT_PORTS} | kept.instances | given_counts
    ports = instance_ports({**DEFAULT_PORTS, **kept.ports, **given_ports}, counts)
    surplus = _surplus(run_dir, kept, counts)
    allowed = {*DEFAULT_PORTS, *ports, *(surplus if args.command in ("stop", "status") else ())}
    unknown = [name for name in args.services if name not in allowed]
    if unknown:
        parser.error(f"no service or instance called {', '.join(unknown)}; there are {', '.join(ports)}")
    if args.command in ("start", "restart"):
        given = kept_environment(os.environ)
        if args.standins:
            given.update(StandinServers(run_dir).service_env())
        for key, value in sorted(given.items()):
            if key in kept.env and kept.env[key] != value:
                print(f"stack: {key} changes from {kept.env[key]!r} (kept in {kept_file}) to {value!r}")
        env = {**kept.env, **given}
        Kept(env, ports, counts).write(kept_file)
    else:
        env = kept.env
    # The services find their folder's secrets (the database roles' password file) under the folder stack.py resolved,
    # whatever the directory a relative LIENTHONG_LOCAL_DIR was given from.
    run_env = {**env, "LIENTHONG_LOCAL_DIR": str(folder)}
    service_env = secrets(folder, env)
    stack = ServiceStack(run_dir, env=run_env, ports=ports, detach=True, service_env=service_env)
    beyond = ServiceStack(run_dir, env=run_env, ports=surplus, service_env=service_env)
    chosen = args.services or None
    names = stack.names([name for name in chosen if name not in surplus] if chosen else None)
    extra = beyond.names([name for name in chosen if name in DEFAULT_PORTS or name in surplus] if chosen else None)

    if args.command == "status":
        running_beyond = [name for name in extra if beyond.state(name).pid is not None]
        code = _status(stack, names)
        if running_beyond:
            print(f"beyond the instances kept ({', '.join(running_beyond)}): stack.py stop stops them")
            _status(beyond, running_beyond)
        return code
    if surplus:  # fewer instances than before: the surplus goes, whatever the command
        for name in beyond.stop(extra if args.command == "stop" else None):
            print(f"stack: stopped {name} (beyond the instances kept)")
    if args.command == "stop":
        for name in stack.stop(names):
            print(f"stack: stopped {name}")
        return 0
    if args.command == "restart":
        for name in stack.stop(names):
            print(f"stack: stopped {name}")
    return _start(stack, names, run_dir)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
