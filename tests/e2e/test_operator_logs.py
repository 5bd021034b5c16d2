"""Every log line of every service is a JSON object with the trace and span it was written in."""

import json
import re
from typing import Any

import httpx
from stack import DEFAULT_PORTS, ServiceStack

from shared.observability.dossier_tracing import DOSSIER_CODE
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, open_task, submit
from tests.support.traces import new_trace
from tests.support.waiting import eventually


def _lines(stack: ServiceStack, service: str) -> list[str]:
    return [line for line in stack.log_file(service).read_text(encoding="utf-8").splitlines() if line.strip()]


async def test_each_log_line_is_json_with_trace_and_span_ids(http: httpx.AsyncClient, stack: ServiceStack) -> None:
    trace_id, traceparent = new_trace()
    code = (await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU, traceparent=traceparent))["code"]
    await open_task(http, stack.url("department"), "17179.VP", code)

    async def lines_of_the_dossier() -> list[dict[str, Any]] | None:
        found = [
            record
            for service in DEFAULT_PORTS
            for line in _lines(stack, service)
            if (record := json.loads(line)).get("trace_id") == trace_id
        ]
        return found if {r["service"] for r in found} >= {"lienthong-routing", "lienthong-department"} else None

    in_trace = await eventually(lines_of_the_dossier, what="log lines of routing and department in the dossier's trace")
    assert all(r.get(DOSSIER_CODE) == code for r in in_trace if r["logger"].startswith("faststream")), in_trace

    for service in DEFAULT_PORTS:
        lines = _lines(stack, service)
        assert len(lines) > 5, f"{service} wrote almost nothing"
        for line in lines:
            record = json.loads(line)  # fails the test on the first line that is not JSON
            assert record["service"] == f"lienthong-{service}", line
            assert re.fullmatch(r"[0-9a-f]{32}", record["trace_id"]), line
            assert re.fullmatch(r"[0-9a-f]{16}", record["span_id"]), line
            assert {"time", "level", "logger", "message"} <= record.keys(), line
