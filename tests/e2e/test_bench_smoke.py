"""``make bench`` in miniature: it runs both pipelines end to end, then lienthong with two instances of intake and
of the department (``make bench INSTANCES=…``: POSTs spread, the change feed followed to the restarted department),
and writes its figures. Nothing is timed."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("intake", "routing", "department", "notification")


@pytest.fixture(scope="module")
def bench(infrastructure: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One tiny run: its standard output and the JSON it wrote."""
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    command = [sys.executable, "deploy/local/bench/end_to_end.py", "--dossiers", "3", "--bare-dossiers", "20"]
    command += ["--rates", "2", "--duration", "2", "--runs", "1", "--drain-timeout", "120", "--out", str(out)]
    command += ["--instances", "intake=2,department=2"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, ["deploy/local", os.environ.get("PYTHONPATH")]))}

    finished = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)

    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    assert f"written to {out}" in finished.stdout
    return {"stdout": finished.stdout, "result": json.loads(out.read_text())}


def test_the_benchmark_carries_every_dossier_through_both_pipelines_and_writes_its_figures(
    bench: dict[str, Any],
) -> None:
    result = bench["result"]
    assert "lienthong / bare pipeline:" in bench["stdout"]
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


def test_the_benchmark_measures_services_in_two_instances_and_the_database_per_dossier(bench: dict[str, Any]) -> None:
    stdout, result = bench["stdout"], bench["result"]
    assert "instances: one of each service; then at saturation with each of: intake=2,department=2" in stdout
    assert "    intake=2,department=2: " in stdout
    scaled = result["runs"][0]["instances"]["intake=2,department=2"]
    assert scaled["completed"] == 3
    assert scaled["counts"] == {"intake": 2, "routing": 1, "department": 2, "notification": 1}
    for process in ("intake", "intake-2", "routing", "department", "department-2", "notification", "postgresql"):
        assert scaled["processes"][process]["cpu_seconds"] is not None, process
    assert scaled["processes"]["postgresql"]["pids"] > 0
    parts = result["summary"]["instances"]["intake=2,department=2"]["parts"]
    assert set(parts) >= {*SERVICES, "postgresql"}
    assert "intake-2" not in parts  # a service's instances are summed
    database = result["database"]
    assert database["dossiers"] >= 3 + 3 + 4 + 3  # the warm-up's and each phase's dossiers, the settling ones besides
    assert database["tables"]["intake.dossiers"]["rows"] == database["dossiers"]
    assert database["events"]["intake intake.dossiers.v1"]["per_dossier"] >= 1
