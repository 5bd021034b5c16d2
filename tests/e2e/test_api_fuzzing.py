"""Short schemathesis runs against the running intake and notification: no 5xx, no answer off the document.

Intake is the integrators' API (portals, counters, the national portal pushing dossiers in):
whatever they send, the answer is a clear 4xx or a success, never a 5xx.
"""

import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import httpx
import pytest
from stack import ServiceStack

from services import openapi
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, ledger, submit

EXAMPLES_PER_OPERATION = 25


@pytest.mark.parametrize(("service", "operations"), [("intake", 5), ("notification", 3)])
async def test_a_short_schemathesis_run_finds_no_server_error_and_no_answer_off_the_document(
    http: httpx.AsyncClient, stack: ServiceStack, tmp_path: Path, service: str, operations: int
) -> None:
    # A real dossier in every path, so that some generated requests reach the handlers.
    code = (await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU))["code"]
    await ledger(http, stack.url("notification"), code, 2)
    junit = tmp_path / "schemathesis.xml"
    config = tmp_path / "schemathesis.toml"
    config.write_text(f'[parameters]\n"path.code" = "{code}"\n')
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config),
        "run", str(openapi.DOCS / f"{service}.json"),
        "--url", stack.url(service),
        # No 5xx, and every answer is one the document promises: its status, content type and schema.
        "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        "--max-examples", str(EXAMPLES_PER_OPERATION),
        "--phases", "examples,coverage,fuzzing",
        "--seed", "20261201",
        "--request-timeout", "10",
        "--report", "junit", "--report-junit-path", str(junit),
    ]  # fmt: skip

    run = subprocess.run(command, capture_output=True, text=True, timeout=420, check=False, cwd=tmp_path)

    summary = run.stdout[-3000:]
    print(summary)
    assert run.returncode == 0, summary + run.stderr[-2000:]
    suites = ElementTree.parse(junit).getroot()
    assert len(suites.findall(".//testcase")) >= operations, summary
    assert not suites.findall(".//failure"), summary
    assert not suites.findall(".//error"), summary
