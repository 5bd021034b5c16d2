"""Short schemathesis runs against the running intake and notification: no 5xx, no answer off the document.

Intake is the integrators' API (portals, counters, the national portal pushing dossiers in):
whatever they send, the answer is a clear 4xx or a success, never a 5xx.
"""

from pathlib import Path

import httpx
import pytest
from stack import ServiceStack

from services import openapi
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, ledger, submit
from tests.support.schemathesis_run import run_schemathesis


@pytest.mark.parametrize(("service", "operations"), [("intake", 5), ("notification", 5)])
async def test_a_short_schemathesis_run_finds_no_server_error_and_no_answer_off_the_document(
    http: httpx.AsyncClient, stack: ServiceStack, tmp_path: Path, service: str, operations: int
) -> None:
    # A real dossier in every path, so that some generated requests reach the handlers.
    code = (await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU))["code"]
    await ledger(http, stack.url("notification"), code, 2)

    tested = run_schemathesis(
        openapi.DOCS / f"{service}.json", stack.url(service), tmp_path, parameters={"path.code": code}, seed=20261201
    )

    assert tested >= operations
