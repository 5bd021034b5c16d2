"""A short schemathesis run against the running department service: no server error, no answer off the document."""

from pathlib import Path

import httpx
from stack import ServiceStack
from standins.process import StandinServers

from services import openapi
from tests.support import clerks
from tests.support.dossiers import LAND_IN_QUYNH_LUU, open_task
from tests.support.journey import received
from tests.support.schemathesis_run import run_schemathesis


async def test_a_short_schemathesis_run_finds_no_server_error_and_no_answer_off_the_document(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers, tmp_path: Path
) -> None:
    # A real task of the token's unit, so that some generated requests reach the handlers.
    code = (await received(http, stack.url("intake"), standins, LAND_IN_QUYNH_LUU))["code"]
    task = await open_task(http, stack.url("department"), "17179.KT", code)
    token = clerks.token(["17179.KT"], clerk="fuzzer")

    tested = run_schemathesis(
        openapi.DOCS / "department.json",
        stack.url("department"),
        tmp_path,
        # The real unit and task in every path, so that requests reach the handlers instead of answering 404.
        parameters={"path.unit": "17179.KT", "path.task_id": str(task["id"])},
        seed=20261122,
        extra=("--header", f"Authorization: Bearer {token}", "--exclude-path-regex", "/events$"),  # streams forever
    )

    assert tested >= 12
