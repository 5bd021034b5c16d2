"""Benchmark: lienthong end to end beside the bare pipeline of the same hops, in one invocation on one machine.

    python deploy/local/bench/end_to_end.py [--dossiers 300] [--bare-dossiers 2000] [--rates 10 25 50]
                                            [--duration 15] [--runs 3] [--out FILE.json]
                                            [--instances 1 2 3 | notification=1 notification=2 …]

Needs Kafka and PostgreSQL (``make up``). Each run measures, in this order:

1. the **bare pipeline** (``bare_pipeline.py``: the hops on aiokafka and asyncpg with batches) at saturation:
   ``--bare-dossiers`` dossiers received as fast as ten connections can, until every task is queued and
   every notification planned;
2. **lienthong at saturation**: ``--dossiers`` dossiers POSTed to intake (16 requests in flight) until every
   first task is in its unit's inbox and every applicant notification is planned;
3. lienthong at each **offered load** of ``--rates`` (dossiers/s, on a fixed schedule for ``--duration`` s),
   with p50/p95/p99 of submit → first task in inbox, counted from the moment each dossier was due to go;
4. with ``--instances``, lienthong at saturation with each configuration of instances in turn (``instances.py``:
   ``notification=2``, or a bare number for that many of the bottleneck service).

Dossiers/s is the dossiers completed over the time from the first submission to the last completion.
The services run once for all runs (stack.py's ServiceStack on free ports, with the stand-ins, a database
and a topic prefix of their own, all removed at the end); tracing is as the caller's ``OTEL_*`` variables
say. CPU seconds and peak RSS of each process come from ``/proc``. It prints progress, then the summary
(min / median / max over the runs), and writes everything to a JSON file whose path it prints.
Nothing is asserted: it measures.
"""

import argparse
import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from bare_pipeline import BarePipeline
from database_sizes import table_sizes
from figures import ProcessMeter, latencies, load_average, machine, spread
from instances import (
    BOTTLENECK,
    bottleneck,
    every_count,
    kafka_brokers,
    label,
    parse_scales,
    postgres_backends,
    resolve,
)
from instances import report_lines as instances_report
from instances import summarise as summarise_instances
from kafka_principals import as_local_admin, local_dir
from lienthong_stack import SAMPLES, Lienthong

from shared.kernel.settings import CommonSettings

REPO = Path(__file__).resolve().parents[3]
SATURATION_IN_FLIGHT = 16
BARE_IN_FLIGHT = 10
OFFERED_IN_FLIGHT = 256
PROGRESS_SECONDS = 5.0
BACKLOG = 2000
"""Dossiers of the backlog issue 16 asks to drain in time."""
SETTLE = 12
"""Dossiers sent end to end after the instances change, before measuring, so the consumer groups have settled."""
TARGETS = {"percent_of_bare": 50.0, "p99_at_50_per_s": 0.5, "backlog_2000_drained_s": 30.0, "rss_mib": 150.0}
STARTED = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.1f} s] {text}", flush=True)


@dataclass
class Submission:
    sample: dict[str, Any]
    due: float
    """time.time() when it was due to go (saturation: when it went)."""
    answered: float = 0.0
    code: str | None = None
    error: str | None = None


Submit = Callable[[dict[str, Any]], Awaitable[str]]


@dataclass(frozen=True)
class Watched:
    """What a phase reads of a pipeline: where arrivals land, how to learn when notifications were planned."""

    arrived: dict[str, float]
    """Dossier code → time.time() its first task was in its unit's inbox."""
    planned: Callable[[list["Submission"], float], Awaitable[dict[str, float]]]
    """(accepted submissions, deadline on time.monotonic()) → code → time.time() its notifications were planned."""
    check: Callable[[], None] = lambda: None
    """Raises when the pipeline broke down (rather than waiting for the deadline)."""


def watch_lienthong(lienthong: Lienthong) -> Watched:
    async def planned(accepted: list["Submission"], deadline: float) -> dict[str, float]:
        return await lienthong.planned({s.code: lienthong.expected(s.sample) for s in accepted if s.code}, deadline)

    return Watched(lienthong.arrived, planned)


def watch_bare(bare: BarePipeline) -> Watched:
    async def planned(accepted: list["Submission"], deadline: float) -> dict[str, float]:
        return await bare.planned([s.code for s in accepted if s.code], deadline)

    return Watched(bare.arrived, planned, bare.check)


async def _send(submit: Submit, submission: Submission) -> None:
    try:
        submission.code = await submit(submission.sample)
    except Exception as error:  # counted and reported: a benchmark does not stop at one refusal
        submission.error = f"{type(error).__name__}: {error}"[:300]
    submission.answered = time.time()


async def saturate(submit: Submit, count: int, in_flight: int, sent: list[Submission]) -> None:
    """Submit ``count`` dossiers as fast as ``in_flight`` concurrent submitters can."""
    numbers = iter(range(count))

    async def submitter() -> None:
        for n in numbers:
            submission = Submission(SAMPLES[n % len(SAMPLES)], time.time())
            sent.append(submission)
            await _send(submit, submission)

    await asyncio.gather(*(submitter() for _ in range(in_flight)))


async def offer(submit: Submit, rate: float, duration: float, sent: list[Submission]) -> None:
    """Submit ``rate`` dossiers a second for ``duration`` s on a fixed schedule, earlier ones done or not."""
    gate = asyncio.Semaphore(OFFERED_IN_FLIGHT)
    start = time.time() + 0.1
    pending = []

    async def one(submission: Submission) -> None:
        async with gate:
            await _send(submit, submission)

    for n in range(round(rate * duration)):
        due = start + n / rate
        await asyncio.sleep(max(0.0, due - time.time()))
        submission = Submission(SAMPLES[n % len(SAMPLES)], due)
        sent.append(submission)
        pending.append(asyncio.create_task(one(submission)))
    await asyncio.gather(*pending)


async def measure(
    label: str,
    load: Callable[[list[Submission]], Awaitable[None]],
    pipeline: Watched,
    pids: dict[str, int],
    drain_timeout: float,
    total: int,
    groups: dict[str, Callable[[], list[int]]] | None = None,
) -> dict[str, Any]:
    """Run one phase: the load, then wait for every first task and every notification."""
    sent: list[Submission] = []
    arrived = pipeline.arrived

    async def progress() -> None:
        while True:
            await asyncio.sleep(PROGRESS_SECONDS)
            accepted = [s for s in sent if s.code]
            inbox = sum(1 for s in accepted if s.code in arrived)
            say(f"{label}: {len(sent)}/{total} submitted, {len(accepted)} accepted, {inbox} first tasks in inboxes")

    say(f"{label}: starting ({total} dossiers)")
    reporter = asyncio.create_task(progress())
    try:
        with ProcessMeter(pids, groups) as meter:
            await load(sent)
            last_answer = max(s.answered for s in sent)
            deadline = time.monotonic() + drain_timeout
            accepted = [s for s in sent if s.code]
            while any(s.code not in arrived for s in accepted) and time.monotonic() < deadline:
                pipeline.check()
                await asyncio.sleep(0.05)
            planned = await pipeline.planned(accepted, deadline)
    finally:
        reporter.cancel()
    first = min(s.due for s in sent)
    done = {
        s.code: max(arrived[s.code], planned.get(s.code, 0.0))
        for s in accepted
        if s.code in arrived and s.code in planned
    }
    last = max(done.values(), default=None)
    figures = {
        "dossiers": len(sent),
        "accepted": len(accepted),
        "refused": len(sent) - len(accepted),
        "first_refusal": next((s.error for s in sent if s.error), None),
        "completed": len(done),
        "incomplete": len(accepted) - len(done),
        "accepted_per_s": round(len(accepted) / (last_answer - first), 2) if last_answer > first else None,
        "completed_per_s": round(len(done) / (last - first), 2) if last and last > first else None,
        "drain_after_last_submission_s": round(last - last_answer, 3) if last else None,
        "elapsed_s": round(last - first, 3) if last else None,
        "submit_to_task_s": _rounded(latencies([arrived[s.code] - s.due for s in accepted if s.code in arrived])),
        "submit_answer_s": _rounded(latencies([s.answered - s.due for s in sent])),
        **meter.figures(),
    }
    lat = figures["submit_to_task_s"]
    say(
        f"{label}: {figures['completed']}/{len(sent)} complete, {figures['completed_per_s']} dossiers/s"
        f" (accepted {figures['accepted_per_s']}/s), drained {figures['drain_after_last_submission_s']} s after the"
        f" last submission; submit → task p50 {lat['p50']} s, p95 {lat['p95']} s, p99 {lat['p99']} s"
    )
    return figures


async def scale_out(
    lienthong: Lienthong, scales: list[dict[str, int]], args: argparse.Namespace, run: int
) -> dict[str, Any]:
    """Lienthong at saturation with each configuration of instances, the PostgreSQL backends and brokers metered."""
    found: dict[str, Any] = {}
    groups = {"postgresql": postgres_backends(lienthong.database), "kafka": kafka_brokers(local_dir())}
    for counts in scales:
        name = label(counts)
        restarted = await lienthong.scale(every_count(counts))
        say(f"run {run}/{args.runs} {name}: {', '.join(restarted) or 'nothing'} restarted; {SETTLE} dossiers to settle")
        settle = partial(saturate, lienthong.submit, SETTLE, SATURATION_IN_FLIGHT)
        await measure(f"run {run}/{args.runs} {name} settling", settle, watch_lienthong(lienthong), {}, 120, SETTLE)
        figures = await measure(
            f"run {run}/{args.runs} lienthong with {name} at saturation",
            partial(saturate, lienthong.submit, args.dossiers, SATURATION_IN_FLIGHT),
            watch_lienthong(lienthong),
            {**lienthong.pids(), "bench driver": os.getpid()},
            args.drain_timeout,
            args.dossiers,
            groups,
        )
        found[name] = {**figures, "counts": lienthong.counts()}
    if run < args.runs:
        await lienthong.scale(every_count({}))
    return found


def _rounded(values: dict[str, float | None]) -> dict[str, float | None]:
    return {k: None if v is None else round(v, 4) for k, v in values.items()}


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    settings = as_local_admin(CommonSettings())
    runs: list[dict[str, Any]] = []
    scales: list[dict[str, int]] = args.instances
    sizes = None
    lienthong = Lienthong(settings)
    say(f"starting the stand-ins and the four services (run directory {lienthong.run_dir})")
    try:
        await lienthong.start()
        say("services ready; warm-up: one dossier of each sample end to end")
        await lienthong.warm_up()
        say(
            f"watching the inboxes of {', '.join(sorted(lienthong.units))}; notifications per sample:"
            f" {lienthong.expected_notifications}"
        )
        for run in range(1, args.runs + 1):
            results: dict[str, Any] = {"run": run}
            bare = BarePipeline(settings)
            await bare.start()
            try:
                warm: list[Submission] = []
                await saturate(bare.submit, 50, BARE_IN_FLIGHT, warm)
                while any(s.code not in bare.arrived or s.code not in bare.notified for s in warm):
                    bare.check()
                    await asyncio.sleep(0.05)
                results["bare"] = await measure(
                    f"run {run}/{args.runs} bare pipeline at saturation",
                    partial(saturate, bare.submit, args.bare_dossiers, BARE_IN_FLIGHT),
                    watch_bare(bare),
                    {"bench (bare pipeline and driver)": os.getpid()},
                    args.drain_timeout,
                    args.bare_dossiers,
                )
            finally:
                await bare.close()
            pids = {**lienthong.pids(), "bench driver": os.getpid()}
            results["lienthong"] = await measure(
                f"run {run}/{args.runs} lienthong at saturation",
                partial(saturate, lienthong.submit, args.dossiers, SATURATION_IN_FLIGHT),
                watch_lienthong(lienthong),
                pids,
                args.drain_timeout,
                args.dossiers,
            )
            results["offered"] = {}
            for rate in args.rates:
                count = round(rate * args.duration)
                results["offered"][f"{rate:g}"] = await measure(
                    f"run {run}/{args.runs} lienthong offered {rate:g}/s for {args.duration:g} s",
                    partial(offer, lienthong.submit, rate, args.duration),
                    watch_lienthong(lienthong),
                    pids,
                    args.drain_timeout,
                    count,
                )
            bare_rate = results["bare"]["completed_per_s"]
            ours = results["lienthong"]["completed_per_s"]
            results["percent_of_bare"] = round(100 * ours / bare_rate, 2) if bare_rate and ours else None
            say(f"run {run}/{args.runs}: lienthong at {results['percent_of_bare']} % of the bare pipeline")
            if scales:
                if any(BOTTLENECK in counts for counts in scales):
                    scales = resolve(scales, bottleneck(results["lienthong"]))
                    say(f"the bottleneck (most CPU per dossier at saturation): {next(iter(scales[0]))}")
                results["instances"] = await scale_out(lienthong, scales, args, run)
            runs.append(results)
        troubled = lienthong.logs_with_tracebacks()
        sizes = await table_sizes(lienthong.settings.database_url, lienthong.settings.topic_prefix)
    finally:
        say("stopping the services and the stand-ins, dropping the benchmark's database and topics")
        await lienthong.close()
    return {
        "runs": runs,
        "feed_reconnects": lienthong.reconnects,
        "services_with_tracebacks": troubled,
        "run_dir": str(lienthong.run_dir),
        "database": sizes,
    }


def summarise(runs: list[dict[str, Any]], rates: list[float]) -> dict[str, Any]:
    """Min / median / max over the runs of every headline figure, and the targets of issue 16."""

    def over(*path: str) -> dict[str, float | None]:
        """The spread over the runs of the figure at ``path`` in each run's results."""
        values = []
        for run in runs:
            value: Any = run
            for key in path:
                value = value[key]
            values.append(value)
        return spread(values)

    summary: dict[str, Any] = {
        "bare_per_s": over("bare", "completed_per_s"),
        "bare_submit_to_task_s": {q: over("bare", "submit_to_task_s", q) for q in ("p50", "p99")},
        "lienthong_per_s": over("lienthong", "completed_per_s"),
        "lienthong_accepted_per_s": over("lienthong", "accepted_per_s"),
        "lienthong_drain_s": over("lienthong", "drain_after_last_submission_s"),
        "lienthong_submit_to_task_s": {q: over("lienthong", "submit_to_task_s", q) for q in ("p50", "p95", "p99")},
        "percent_of_bare": over("percent_of_bare"),
        "machine_busy_percent": {
            "bare": over("bare", "machine_busy_percent"),
            "lienthong": over("lienthong", "machine_busy_percent"),
            **{f"offered {rate:g}/s": over("offered", f"{rate:g}", "machine_busy_percent") for rate in rates},
        },
        "offered": {
            f"{rate:g}": {
                "completed_per_s": over("offered", f"{rate:g}", "completed_per_s"),
                **{q: over("offered", f"{rate:g}", "submit_to_task_s", q) for q in ("p50", "p95", "p99")},
                "incomplete": over("offered", f"{rate:g}", "incomplete"),
            }
            for rate in rates
        },
    }
    services: dict[str, dict[str, Any]] = {}
    for run in runs:
        phases = [run["lienthong"], *run["offered"].values()]
        for name, figures in run["lienthong"]["processes"].items():
            entry = services.setdefault(name, {"saturation_cpu_s": [], "cpu_ms_per_dossier": [], "peak_rss_mib": 0.0})
            if figures["cpu_seconds"] is not None:
                entry["saturation_cpu_s"].append(figures["cpu_seconds"])
                entry["cpu_ms_per_dossier"].append(1000 * figures["cpu_seconds"] / max(1, run["lienthong"]["dossiers"]))
            for phase in phases:
                process = phase["processes"].get(name, {})
                entry["peak_rss_mib"] = max(
                    entry["peak_rss_mib"], process.get("peak_rss_mib", 0), process.get("lifetime_peak_rss_mib", 0)
                )
    summary["processes"] = {
        name: {
            "saturation_cpu_s": spread(entry["saturation_cpu_s"]),
            "cpu_ms_per_dossier": spread(entry["cpu_ms_per_dossier"]),
            "peak_rss_mib": entry["peak_rss_mib"],
        }
        for name, entry in services.items()
    }
    summary["targets"] = _targets(summary, runs)
    return summary


def _targets(summary: dict[str, Any], runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Issue 16's targets against the median figures; ``met`` is None when this invocation did not measure it."""
    percent = summary["percent_of_bare"]["median"]
    percent = None if percent is None else round(percent, 2)
    at_50 = summary["offered"].get("50", {}).get("p99", {}).get("median")
    big = [r["lienthong"]["drain_after_last_submission_s"] for r in runs if r["lienthong"]["dossiers"] >= BACKLOG]
    services = {
        n: p["peak_rss_mib"]
        for n, p in summary["processes"].items()
        if n in ("intake", "routing", "department", "notification")
    }
    drained = spread(big)["median"]
    return {
        "lienthong_at_least_50_percent_of_bare": {
            "median": percent,
            "met": None if percent is None else percent >= TARGETS["percent_of_bare"],
        },
        "p99_at_50_per_s_at_most_500_ms": {
            "median_s": at_50,
            "met": None if at_50 is None else at_50 <= TARGETS["p99_at_50_per_s"],
        },
        "backlog_of_2000_drained_under_30_s": {
            "median_s": drained,
            "met": None if drained is None else drained < TARGETS["backlog_2000_drained_s"],
        },
        "each_service_under_150_mib_rss": {
            "peak_mib": services,
            "met": all(v < TARGETS["rss_mib"] for v in services.values()) if services else None,
        },
    }


def _mmm(figures: dict[str, float | None], unit: str = "", scale: float = 1.0, digits: int = 1) -> str:
    """``min / median / max`` of a spread, scaled (1000: seconds shown as ms), with its unit."""

    def one(value: float | None) -> str:
        return "-" if value is None else f"{value * scale:.{digits}f}"

    return f"{one(figures['min'])} / {one(figures['median'])} / {one(figures['max'])}{unit}"


def _ms(figures: dict[str, float | None]) -> str:
    return _mmm(figures, " ms", 1000, 0)


def _scaled(configurations: list[str]) -> str:
    if not configurations:
        return " (--instances / make bench INSTANCES=… adds a phase per configuration)"
    return f"; then at saturation with each of: {' '.join(configurations)} (below)"


def report(result: dict[str, Any]) -> None:
    summary, parameters, machine = result["summary"], result["parameters"], result["machine"]
    lines = [
        f"lienthong end to end beside the bare pipeline, {result['taken_at']} on {machine['host']}"
        f" ({machine['cpus']} CPUs), {parameters['runs']} runs, min / median / max",
        f"  load average before {machine['load_before']}, after {machine['load_after']}",
        f"  instances: one of each service{_scaled(parameters['instances'])}",
        f"  bare pipeline ({parameters['bare_dossiers']} dossiers): {_mmm(summary['bare_per_s'], ' dossiers/s')};"
        f" submit → task p50 {_ms(summary['bare_submit_to_task_s']['p50'])},"
        f" p99 {_ms(summary['bare_submit_to_task_s']['p99'])}",
        f"  lienthong ({parameters['dossiers']} dossiers over HTTP): {_mmm(summary['lienthong_per_s'], ' dossiers/s')}"
        " to first task in inbox and notifications planned"
        f" (POSTs accepted {_mmm(summary['lienthong_accepted_per_s'], '/s')})",
        f"  lienthong / bare pipeline: {_mmm(summary['percent_of_bare'], ' %')}",
    ]
    lat = summary["lienthong_submit_to_task_s"]
    lines.append(
        f"  at saturation, submit → task in inbox: p50 {_mmm(lat['p50'], ' s', digits=2)},"
        f" p95 {_mmm(lat['p95'], ' s', digits=2)}, p99 {_mmm(lat['p99'], ' s', digits=2)};"
        f" drained {_mmm(summary['lienthong_drain_s'], ' s')} after the last submission"
    )
    for rate, figures in summary["offered"].items():
        lines.append(
            f"  offered {rate}/s for {parameters['duration']:g} s: {_mmm(figures['completed_per_s'], '/s')} completed;"
            f" submit → task p50 {_ms(figures['p50'])}, p95 {_ms(figures['p95'])}, p99 {_ms(figures['p99'])};"
            f" incomplete {_mmm(figures['incomplete'], digits=0)}"
        )
    shares = summary["machine_busy_percent"].items()
    busy = ", ".join(f"{phase} {_mmm(share, ' %', digits=0)}" for phase, share in shares)
    lines.append(f"  both CPUs busy (everyone's work, this benchmark's included): {busy}")
    lines.append("  per process at saturation: CPU s; CPU ms per dossier; peak RSS over every phase")
    for name, figures in summary["processes"].items():
        cpu, per_dossier = _mmm(figures["saturation_cpu_s"], " s"), _mmm(figures["cpu_ms_per_dossier"], " ms", digits=0)
        lines.append(f"    {name:14} {cpu}; {per_dossier}; {figures['peak_rss_mib']:.0f} MiB")
    lines.append("  issue 16's targets (median over the runs):")
    for target, figures in summary["targets"].items():
        verdict = {True: "met", False: "NOT met", None: "not measured with these parameters"}[figures["met"]]
        lines.append(f"    {target}: {verdict} { ({k: v for k, v in figures.items() if k != 'met'}) }")
    if summary.get("instances"):
        lines += instances_report(summary["instances"], parameters["dossiers"], result.get("database"))
    if result["services_with_tracebacks"]:
        lines.append(
            f"  tracebacks in the logs of {', '.join(result['services_with_tracebacks'])} ({result['run_dir']})"
        )
    print("\n" + "\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=300, help="lienthong dossiers at saturation per run")
    parser.add_argument(
        "--bare-dossiers", type=int, help="bare pipeline dossiers per run (default max(2000, --dossiers))"
    )
    parser.add_argument("--rates", type=float, nargs="*", default=[10, 25, 50], help="offered loads, dossiers/s")
    parser.add_argument("--duration", type=float, default=15, help="seconds each offered load lasts")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--drain-timeout", type=float, default=300, help="seconds a phase waits after its last submission"
    )
    parser.add_argument(
        "--instances",
        nargs="*",
        default=[],
        help="configurations measured at saturation side by side: service=n,… or all=n as stack.py takes them, or n"
        " for n instances of the bottleneck service (e.g. 1 2 3)",
    )
    parser.add_argument(
        "--out", type=Path, help="the JSON file (default <LIENTHONG_LOCAL_DIR>/bench/end-to-end-<time>.json)"
    )
    args = parser.parse_args()
    configurations = args.instances
    try:
        args.instances = parse_scales(configurations)
    except ValueError as error:
        parser.error(str(error))
    args.bare_dossiers = args.bare_dossiers or max(2000, args.dossiers)
    stamp = datetime.now(UTC)
    out: Path = args.out or Path(os.environ.get("LIENTHONG_LOCAL_DIR", REPO / ".local")) / "bench" / (
        f"end-to-end-{stamp:%Y%m%dT%H%M%SZ}.json"
    )
    load_before = load_average()
    say(f"load average before: {load_before}")
    measured = asyncio.run(bench(args))
    load_after = load_average()
    result = {
        "taken_at": stamp.isoformat(timespec="seconds"),
        "machine": machine(load_before, load_after),
        "parameters": {
            "dossiers": args.dossiers,
            "bare_dossiers": args.bare_dossiers,
            "rates": args.rates,
            "duration": args.duration,
            "runs": args.runs,
            "instances": configurations,
            "tracing": {k: v for k, v in os.environ.items() if k.startswith("OTEL_")},
        },
        **measured,
        "summary": {
            **summarise(measured["runs"], args.rates),
            "instances": summarise_instances(measured["runs"]),
        },
    }
    report(result)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
