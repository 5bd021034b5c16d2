"""A short schemathesis run against the running department service: no server error, no answer off the document."""

import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import httpx
from stack import ServiceStack

from services import openapi
from tests.support import clerks
from tests.support.dossiers import LAND_IN_QUYNH_LUU, open_task, submit

EXAMPLES_PER_OPERATION = 25


async def test_a_short_schemathesis_run_finds_no_server_error_and_no_answer_off_the_document(
    http: httpx.AsyncClient, stack: ServiceStack, tmp_path: Path
) -> None:
    # A real task of the token's unit, so that some generated requests reach the handlers.
    code = (await submit(http, stack.url("intake"), LAND_IN_QUYNH_LUU))["code"]
    task = await open_task(http, stack.url("department"), "17179.KT", code)
    junit = tmp_path / "schemathesis.xml"
    config = tmp_path / "schemathesis.toml"
    # The real unit and task in every path, so that requests reach the handlers instead of answering 404.
    config.write_text(f'[parameters]\n"path.unit" = "17179.KT"\n"path.task_id" = "{task["id"]}"\n')
    token = clerks.token(["17179.KT"], clerk="fuzzer")
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config),
        "run", str(openapi.DOCS / "department.json"),
        "--url", stack.url("department"),
        # No 5xx, and every answer is one the document promises: its status, content type and schema.
        "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        "--max-examples", str(EXAMPLES_PER_OPERATION),
        "--header", f"Authorization: Bearer {token}",
        "--exclude-path-regex", "/events$",  # an endless stream by design
        "--phases", "examples,coverage,fuzzing",
        "--seed", "20261122",
        "--request-timeout", "10",
        "--report", "junit", "--report-junit-path", str(junit),
    ]  # fmt: skip

    run = subprocess.run(command, capture_output=True, text=True, timeout=420, check=False, cwd=tmp_path)

    summary = run.stdout[-3000:]
    print(summary)
    assert run.returncode == 0, summary + run.stderr[-2000:]
    suites = ElementTree.parse(junit).getroot()
    cases = suites.findall(".//testcase")
    assert len(cases) >= 12, summary
    assert not suites.findall(".//failure"), summary
    assert not suites.findall(".//error"), summary
