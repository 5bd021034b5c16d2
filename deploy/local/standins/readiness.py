"""Whether the stand-ins answer: every HTTP ``/_control`` with 200 and the SMTP greeting.

``python -m standins.readiness --pid <pid> [--<name>-port ...]`` waits for the stand-ins of a
running process (``standins.sh`` uses it); :class:`standins.process.StandinServers` calls
:func:`wait_ready` directly.
"""

import argparse
import os
import socket
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx

from standins.ports import HOST, HTTP_NAMES, add_port_options, chosen_ports


def answers(name: str, ports: Mapping[str, int]) -> bool:
    """``name``'s stand-in answers now: its ``/_control`` with 200, or (smtp) a 220 greeting."""
    try:
        if name == "smtp":
            with socket.create_connection((HOST, ports["smtp"]), timeout=2) as connection:
                return connection.recv(4).startswith(b"220")
        return httpx.get(f"http://{HOST}:{ports[name]}/_control", timeout=2).status_code == 200
    except (OSError, httpx.HTTPError):
        return False


def wait_ready(ports: Mapping[str, int], *, timeout: float, log_file: str, exited: Callable[[], str | None]) -> None:
    """Block until every stand-in answers; fail at once when ``exited()`` says why the process is gone."""
    deadline = time.monotonic() + timeout
    for name in (*HTTP_NAMES, "smtp"):
        while not answers(name, ports):
            gone = exited()
            if gone is not None:
                raise RuntimeError(f"stand-ins {gone} before {name} answered; see {log_file}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"stand-in {name} not answering after {timeout:.0f} s; see {log_file}")
            time.sleep(0.1)


def _pid_exited(pid: int) -> Callable[[], str | None]:
    def exited() -> str | None:
        try:
            os.kill(pid, 0)
            stat = Path(f"/proc/{pid}/stat").read_text()
        except (ProcessLookupError, FileNotFoundError):
            return f"process {pid} exited"
        return f"process {pid} exited" if stat.rpartition(")")[2].split()[0] == "Z" else None

    return exited


def main() -> int:
    """Wait for the stand-ins of process ``--pid``; exit 1 naming the laggard."""
    parser = argparse.ArgumentParser(prog="python -m standins.readiness", description=__doc__)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--log-file", default="the stand-ins' log")
    add_port_options(parser)
    options = parser.parse_args()
    try:
        wait_ready(
            chosen_ports(options), timeout=options.timeout, log_file=options.log_file, exited=_pid_exited(options.pid)
        )
    except (RuntimeError, TimeoutError) as error:
        print(f"standins: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
