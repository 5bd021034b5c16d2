"""The instances phase of ``make bench``: lienthong at saturation with each configuration of instances, side by side.

``--instances`` takes configurations, each in ``stack.py --instances`` form (``notification=2``,
``intake=2,notification=2``, ``all=2``) or a bare number, meaning that many instances of the bottleneck
service: the one of the four that spent the most CPU per dossier in the first run's saturation phase.
Every run measures each configuration in turn (the scaled services restarted, a few dossiers to settle
the consumer groups, then the same count of dossiers as the saturation phase), so the configurations
are compared under the same conditions. Besides the services, it meters the CPU of the benchmark
database's PostgreSQL backends and of the Kafka brokers ``kafka.sh`` started (shared with whatever
else uses them), so the whole cost of a dossier shows: on a 2-core machine the sum is what bounds it.
"""

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from figures import command_lines, cpu_seconds, spread
from stack_instances import DEFAULT_PORTS, parse_counts, service_of

SERVICES = tuple(DEFAULT_PORTS)
BOTTLENECK = "bottleneck"
"""The configuration's key for a bare number, until the first run names the service."""


def parse_scales(items: Iterable[str]) -> list[dict[str, int]]:
    """``["1", "notification=2", "all=2"]`` → ``[{"bottleneck": 1}, {"notification": 2}, {every service: 2}]``."""
    scales = []
    for item in items:
        if item.isdigit() and int(item) >= 1:
            scales.append({BOTTLENECK: int(item)})
        else:
            scales.append(parse_counts(item))
    return scales


def bottleneck(saturation: dict[str, Any]) -> str:
    """The service that spent the most CPU seconds in a saturation phase's figures."""
    processes = saturation["processes"]
    return max(SERVICES, key=lambda s: processes.get(s, {}).get("cpu_seconds") or 0.0)


def resolve(scales: list[dict[str, int]], service: str) -> list[dict[str, int]]:
    """The configurations with a bare number given to ``service``."""
    return [{service: counts[BOTTLENECK]} if BOTTLENECK in counts else counts for counts in scales]


def every_count(counts: Mapping[str, int]) -> dict[str, int]:
    """Each of the four services' instances in a configuration (1 when it names none)."""
    return {service: counts.get(service, 1) for service in SERVICES}


def label(counts: Mapping[str, int]) -> str:
    """``notification=2``: the configuration as given (the others run one instance each); ``all=2`` for n of each."""
    if set(counts) == set(SERVICES) and len(set(counts.values())) == 1:
        return f"all={next(iter(counts.values()))}"
    return ",".join(f"{service}={n}" for service, n in counts.items())


def postgres_backends(database: str) -> Callable[[], list[int]]:
    """The pids of the PostgreSQL backends connected to ``database`` (their title names it), found when called."""
    marker = f" {database} ".encode()

    def find() -> list[int]:
        return [pid for pid, line in command_lines() if line.startswith(b"postgres: ") and marker in line]

    return find


def kafka_brokers(local: Path) -> Callable[[], list[int]]:
    """The pids of the brokers ``kafka.sh`` started in ``local`` (one node, or each node of a cluster)."""

    def find() -> list[int]:
        pids = []
        for pid_file in [local / "kafka" / "kafka.pid", *sorted((local / "kafka").glob("broker-*/kafka.pid"))]:
            text = pid_file.read_text().strip() if pid_file.exists() else ""
            if text.isdigit() and cpu_seconds(int(text)) is not None:
                pids.append(int(text))
        return pids

    return find


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per configuration, min / median / max over the runs of dossiers/s, latencies and each part's CPU.

    A service's CPU is the sum over its instances; ``core_percent`` is that CPU over the phase's time,
    in % of one core (200 % would be both cores of this machine).
    """
    labels = list(dict.fromkeys(name for run in runs for name in run.get("instances", {})))
    summary: dict[str, Any] = {}
    for name in labels:
        phases = [run["instances"][name] for run in runs if name in run.get("instances", {})]
        rows: dict[str, dict[str, list[float]]] = {}
        for phase in phases:
            for part, cpu in _cpu_by_part(phase["processes"]).items():
                row = rows.setdefault(part, {"cpu_ms_per_dossier": [], "core_percent": []})
                row["cpu_ms_per_dossier"].append(1000 * cpu / max(1, phase["dossiers"]))
                if phase.get("elapsed_s"):
                    row["core_percent"].append(100 * cpu / phase["elapsed_s"])
        summary[name] = {
            "counts": phases[0]["counts"],
            "completed_per_s": spread([p["completed_per_s"] for p in phases]),
            "accepted_per_s": spread([p["accepted_per_s"] for p in phases]),
            "drain_after_last_submission_s": spread([p["drain_after_last_submission_s"] for p in phases]),
            "submit_to_task_s": {q: spread([p["submit_to_task_s"][q] for p in phases]) for q in ("p50", "p99")},
            "machine_busy_percent": spread([p["machine_busy_percent"] for p in phases]),
            "parts": {part: {k: spread(v) for k, v in row.items()} for part, row in rows.items()},
        }
    first = next(iter(summary.values()), None)
    for figures in summary.values():
        base, ours = (first or {}).get("completed_per_s", {}).get("median"), figures["completed_per_s"]["median"]
        figures["times_first"] = round(ours / base, 2) if base and ours else None
    return summary


def _cpu_by_part(processes: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """CPU seconds per service (its instances summed) and per other metered part."""
    parts: dict[str, float] = {}
    for name, figures in processes.items():
        if figures.get("cpu_seconds") is None:
            continue
        try:
            part = service_of(name)
        except ValueError:
            part = name
        parts[part] = parts.get(part, 0.0) + figures["cpu_seconds"]
    return parts


def report_lines(summary: Mapping[str, Any], dossiers: int, sizes: Mapping[str, Any] | None) -> list[str]:
    """The instances section of the report (``figures`` as :func:`summarise` gives them)."""
    lines = [
        f"  instances, at saturation ({dossiers} dossiers each, every configuration in every run):",
    ]
    for name, figures in summary.items():
        lat = figures["submit_to_task_s"]
        lines.append(
            f"    {name}: {_mmm(figures['completed_per_s'])} dossiers/s"
            f" (median {figures['times_first']} times the first's), POSTs accepted {_mmm(figures['accepted_per_s'])}/s;"
            f" submit → task p50 {_mmm(lat['p50'], 2)} s,"
            f" p99 {_mmm(lat['p99'], 2)} s; both CPUs busy {_mmm(figures['machine_busy_percent'], 0)} %"
        )
        parts = ", ".join(
            f"{part} {row['cpu_ms_per_dossier']['median']:.0f} ms ({_median(row['core_percent'])} %)"
            for part, row in figures["parts"].items()
        )
        lines.append(f"      CPU per dossier, median (share of one core): {parts}")
    if sizes:
        schemas = ", ".join(f"{s} {v['bytes_per_dossier'] / 1024:.1f} KiB" for s, v in sizes["schemas"].items())
        lines.append(
            f"  database after the runs: {sizes['dossiers']} dossiers; per dossier (indexes included): {schemas}"
        )
    return lines


def _mmm(figures: Mapping[str, float | None], digits: int = 1) -> str:
    return " / ".join("-" if figures[k] is None else f"{figures[k]:.{digits}f}" for k in ("min", "median", "max"))


def _median(figures: Mapping[str, float | None]) -> str:
    value = figures["median"]
    return "-" if value is None else f"{value:.0f}"
