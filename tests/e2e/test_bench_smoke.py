"""``make bench`` in miniature: it runs both pipelines end to end and writes its figures. Nothing is timed."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("intake", "routing", "department", "notification")


def test_the_benchmark_carries_every_dossier_through_both_pipelines_and_writes_its_figures(
    infrastructure: None, tmp_path: Path
) -> None:
    out = tmp_path / "bench.json"
    command = [sys.executable, "deploy/local/bench/end_to_end.py", "--dossiers", "3", "--bare-dossiers", "20"]
    command += ["--rates", "2", "--duration", "2", "--runs", "1", "--drain-timeout", "120", "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, ["deploy/local", os.environ.get("PYTHONPATH")]))}

    finished = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)

    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    assert f"written to {out}" in finished.stdout
    assert "lienthong / bare pipeline:" in finished.stdout
    result = json.loads(out.read_text())
    run = result["runs"][0]
    assert (run["bare"]["completed"], run["lienthong"]["completed"], run["offered"]["2"]["completed"]) == (20, 3, 4)
    assert set(result["summary"]) >= {"bare_per_s", "lienthong_per_s", "percent_of_bare", "offered", "targets"}
    assert set(result["summary"]["offered"]["2"]) >= {"p50", "p95", "p99", "completed_per_s"}
    assert result["summary"]["percent_of_bare"]["median"] is not None
    for service in SERVICES:
        figures = run["lienthong"]["processes"][service]
        assert figures["cpu_seconds"] is not None, service
        assert figures["peak_rss_mib"] > 0, service
    assert len(result["machine"]["load_before"]) == len(result["machine"]["load_after"]) == 3
