"""A short schemathesis run against a running service, judged from its JUnit report."""

import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

EXAMPLES_PER_OPERATION = 25
# No 5xx, and every answer is one the document promises: its status, content type and schema.
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
# Our hooks make some generated requests hostile (NUL, lone surrogates, line breaks, out-of-range instants and
# integers, forged cursors): each must be refused with a documented 4xx problem, never a 5xx.
HOOKS = "tests.support.schemathesis_hostile"
ROOT = Path(__file__).resolve().parents[2]


def run_schemathesis(
    document: Path, url: str, work_dir: Path, *, parameters: dict[str, str], seed: int, extra: tuple[str, ...] = ()
) -> int:
    """Run the examples, coverage and fuzzing phases; fail with the summary on any failure or error.

    Returns how many operations were tested (test cases in the report).
    """
    junit = work_dir / "schemathesis.xml"
    config = work_dir / "schemathesis.toml"
    config.write_text("[parameters]\n" + "".join(f'"{name}" = "{value}"\n' for name, value in parameters.items()))
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config),
        "run", str(document),
        "--url", url,
        "--checks", CHECKS,
        "--max-examples", str(EXAMPLES_PER_OPERATION),
        "--phases", "examples,coverage,fuzzing",
        "--seed", str(seed),
        "--request-timeout", "10",
        "--report", "junit", "--report-junit-path", str(junit),
        *extra,
    ]  # fmt: skip
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": HOOKS, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=420, check=False, cwd=work_dir, env=environment
    )
    summary = run.stdout[-3000:]
    print(summary)
    assert run.returncode == 0, summary + run.stderr[-2000:]
    suites = ElementTree.parse(junit).getroot()
    assert not suites.findall(".//failure"), summary
    assert not suites.findall(".//error"), summary
    return len(suites.findall(".//testcase"))
