"""What the benchmarks measure besides time: percentiles, min/median/max over runs, CPU and RSS of processes, load.

CPU and memory come from ``/proc``: ``/proc/<pid>/stat`` (user and system ticks) and
``/proc/<pid>/status`` (``VmRSS`` sampled, ``VmHWM`` the kernel's own peak), and ``/proc/stat`` for
how busy the whole machine was (other users of it included).
"""

import asyncio
import math
import os
import platform
import socket
import statistics
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE_SECONDS = 0.25
MIB = 1024 * 1024


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) by linear interpolation between the nearest ranks; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latencies(values: Sequence[float]) -> dict[str, float | None]:
    """p50, p95, p99 and max of ``values`` (seconds)."""
    return {
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values) if values else None,
    }


def spread(values: Sequence[float | None]) -> dict[str, float | None]:
    """Min, median and max of the runs' figures (a run without the figure is left out)."""
    known = [v for v in values if v is not None]
    if not known:
        return {"min": None, "median": None, "max": None}
    return {"min": min(known), "median": statistics.median(known), "max": max(known)}


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds the process has used; None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15 of stat)


def memory_kib(pid: int, field: str = "VmRSS") -> int | None:
    """A ``/proc/<pid>/status`` memory figure in KiB (``VmRSS`` now, ``VmHWM`` peak); None when gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from the first line of ``/proc/stat``."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def load_average() -> list[float]:
    return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]


def machine(load_before: list[float], load_after: list[float]) -> dict[str, Any]:
    """What a benchmark's JSON file says of the machine it ran on, with the load averages around the run."""
    return {
        "host": socket.gethostname(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "load_before": load_before,
        "load_after": load_after,
    }


class ProcessMeter:
    """CPU seconds, peak sampled RSS of named processes and the machine's busy share over one phase.

    ``groups`` names sets of processes that come and go (a database's backends): each is a function giving
    the group's pids now, and the group's CPU seconds are those its processes used between the phase's start
    (or their own start) and its end, those that ended meanwhile left out.
    """

    def __init__(
        self, pids: Mapping[str, int], groups: Mapping[str, Callable[[], Iterable[int]]] | None = None
    ) -> None:
        self.pids = dict(pids)
        self.groups = dict(groups or {})
        self._group_cpu: dict[str, dict[int, float]] = {}
        self._cpu: dict[str, float | None] = {}
        self._peak: dict[str, int] = {}
        self._machine = (0, 0)
        self._sampler: asyncio.Task[None] | None = None

    def __enter__(self) -> "ProcessMeter":
        self._cpu = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self._peak = dict.fromkeys(self.pids, 0)
        self._group_cpu = {name: _cpu_of(find()) for name, find in self.groups.items()}
        self._machine = machine_ticks()
        self._sampler = asyncio.get_running_loop().create_task(self._sample())
        return self

    def __exit__(self, *_: object) -> None:
        if self._sampler is not None:
            self._sampler.cancel()
        self._take_sample()

    async def _sample(self) -> None:
        while True:
            self._take_sample()
            await asyncio.sleep(SAMPLE_SECONDS)

    def _take_sample(self) -> None:
        for name, pid in self.pids.items():
            self._peak[name] = max(self._peak[name], memory_kib(pid) or 0)

    def figures(self) -> dict[str, Any]:
        """Per process: CPU seconds used in the phase, peak sampled RSS and the kernel's lifetime peak (MiB)."""
        busy, total = machine_ticks()
        processes = {}
        for name, pid in self.pids.items():
            before, after = self._cpu.get(name), cpu_seconds(pid)
            processes[name] = {
                "pid": pid,
                "cpu_seconds": None if before is None or after is None else round(after - before, 2),
                "peak_rss_mib": round(self._peak.get(name, 0) * 1024 / MIB, 1),
                "lifetime_peak_rss_mib": round((memory_kib(pid, "VmHWM") or 0) * 1024 / MIB, 1),
            }
        for name, find in self.groups.items():
            started, now = self._group_cpu.get(name, {}), _cpu_of(find())
            processes[name] = {
                "pids": len(now),
                "cpu_seconds": round(sum(cpu - started.get(pid, 0.0) for pid, cpu in now.items()), 2),
            }
        spent = total - self._machine[1]
        return {
            "processes": processes,
            "machine_busy_percent": round(100 * (busy - self._machine[0]) / spent, 1) if spent else None,
        }


def _cpu_of(pids: Iterable[int]) -> dict[int, float]:
    return {pid: cpu for pid in pids if (cpu := cpu_seconds(pid)) is not None}


def command_lines() -> Iterable[tuple[int, bytes]]:
    """(pid, raw command line) of every process that can be read."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                yield int(entry.name), (entry / "cmdline").read_bytes()
            except OSError:
                continue
