"""What ``stack.py`` asks of the operating system: whether a pid still runs, its environment, a free port."""

import os
import socket
from pathlib import Path

POLL_SECONDS = 0.1
"""How often a start or a stop looks again at a process or a port."""


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


def command_line(pid: int) -> list[bytes] | None:
    """The arguments ``pid`` was started with, None when it cannot be read (gone, or not ours to read)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None


def environment(pid: int) -> dict[str, str] | None:
    """The environment ``pid`` was started with, None when it cannot be read."""
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    pairs = (item.decode(errors="replace").partition("=") for item in raw if b"=" in item)
    return {name: value for name, _, value in pairs}


def other_pids() -> list[int]:
    """Every process's pid but this one's."""
    own = os.getpid()
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit() and int(entry.name) != own]


def write_atomically(path: Path, text: str, mode: int = 0o644) -> None:
    """Replace ``path`` by ``text`` at once: a reader sees the old file or the new, never half of one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    tmp.chmod(mode)
    tmp.replace(path)


def port_in_use(port: int) -> bool:
    """True if something accepts connections on ``127.0.0.1:port``."""
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0
