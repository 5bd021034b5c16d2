"""Operators find every trace of a dossier by its code, and no trace or log line holds citizen data."""

import json
from typing import Any

import httpx
import pytest
from stack import DEFAULT_PORTS, ServiceStack

from shared.observability.dossier_tracing import DOSSIER_CODE, PROCEDURE_CODE
from tests.support import clerks
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU
from tests.support.otlp_receiver import OtlpReceiver, ReceivedSpan
from tests.support.personal_data import leaks, metrics_pages
from tests.support.traces import traced_approved_birth
from tests.support.waiting import eventually
from tests.support.zipkin import Zipkin

FOUR_SERVICES = {f"lienthong-{name}" for name in DEFAULT_PORTS}
APPLICANT = {**BIRTH_IN_QUYNH_LUU["applicant"], "email": "ho.thi.lan@example.vn", "zalo_user_id": "zalo-lan-0401"}
APPROVE = "post /v1/tasks/{task_id}/approve"


def _spans_of(otlp: OtlpReceiver, trace_id: str) -> list[ReceivedSpan]:
    return [s for s in otlp.snapshot() if s.trace_id == trace_id]


@pytest.fixture(scope="module")
async def approved_dossier(http_module: httpx.AsyncClient, stack: ServiceStack) -> dict[str, str]:
    """A birth dossier submitted under a known trace, then approved by the commune office's clerk.

    Its applicant gives every contact (phone, e-mail, Zalo), so the scan looks for each of them.
    """
    return await traced_approved_birth(http_module, stack, {**BIRTH_IN_QUYNH_LUU, "applicant": APPLICANT})


@pytest.fixture(scope="module")
async def http_module() -> Any:
    async with httpx.AsyncClient(headers=clerks.harness_headers(), timeout=10) as client:
        yield client


async def test_every_service_marks_the_submission_trace_with_the_dossier_and_procedure_codes(
    approved_dossier: dict[str, str], otlp: OtlpReceiver
) -> None:
    code, trace_id = approved_dossier["code"], approved_dossier["trace_id"]

    async def marked_services() -> set[str] | None:
        marked = {s.service for s in _spans_of(otlp, trace_id) if s.attributes.get(DOSSIER_CODE) == code}
        return marked if marked >= FOUR_SERVICES else None

    await eventually(marked_services, what="spans of all four services marked with the dossier code")
    spans = _spans_of(otlp, trace_id)
    request = next(s for s in spans if s.name == "POST /v1/dossiers")
    assert request.attributes[DOSSIER_CODE] == code
    assert request.attributes[PROCEDURE_CODE] == "1.001193"
    handling = [s for s in spans if s.name.endswith((" process", " publish"))]
    assert {s.service for s in handling} == FOUR_SERVICES
    unmarked = [(s.service, s.name) for s in handling if s.attributes.get(PROCEDURE_CODE) != "1.001193"]
    assert not unmarked, f"message spans without the procedure code: {unmarked}"
    assert all(s.attributes.get(DOSSIER_CODE) == code for s in handling)


async def test_a_later_clerk_action_is_found_in_zipkin_by_the_dossier_code(
    approved_dossier: dict[str, str], zipkin: Zipkin, http_module: httpx.AsyncClient
) -> None:
    code, trace_id = approved_dossier["code"], approved_dossier["trace_id"]
    task_id = approved_dossier["task_id"]

    def _approves(span: dict[str, Any], task: str) -> bool:
        tags = span.get("tags", {})
        return bool(span.get("name") == APPROVE and task in tags.get("http.target", tags.get("url.path", "")))

    async def clerk_trace() -> list[dict[str, Any]] | None:
        traces = await zipkin.traces_tagged(http_module, DOSSIER_CODE, code)
        later = [t for t in traces if t[0]["traceId"] != trace_id and any(_approves(s, task_id) for s in t)]
        services = {s["localEndpoint"]["serviceName"] for t in later for s in t}
        return later[0] if later and FOUR_SERVICES - {"lienthong-intake"} <= services else None

    later = await eventually(clerk_trace, what="the clerk's approval in a trace tagged with the dossier code")
    approval = next(s for s in later if _approves(s, task_id))
    assert approval["tags"][DOSSIER_CODE] == code
    submission = await zipkin.trace(http_module, trace_id)
    assert {s["localEndpoint"]["serviceName"] for s in submission} == FOUR_SERVICES


async def test_no_span_no_log_line_and_no_metric_holds_the_applicants_id_name_phone_or_email(
    approved_dossier: dict[str, str],
    otlp: OtlpReceiver,
    zipkin: Zipkin,
    http_module: httpx.AsyncClient,
    stack: ServiceStack,
) -> None:
    code = approved_dossier["code"]
    exported = [" ".join([s.name, *s.attributes.keys(), *s.attributes.values()]) for s in otlp.snapshot()]
    in_zipkin = json.dumps(await zipkin.traces_tagged(http_module, DOSSIER_CODE, code), ensure_ascii=False)
    logs = {name: stack.log_file(name).read_text(encoding="utf-8", errors="replace") for name in DEFAULT_PORTS}
    # The scan must have something to find the dossier in, or it proves nothing.
    assert any(code in text for text in exported)
    assert code in in_zipkin
    assert all(code in text for text in logs.values()), "every service logs the dossier code"
    places = {"exported spans": "\n".join(exported), "Zipkin": in_zipkin, **await metrics_pages(http_module, stack)}
    places.update({f"the {name} log": text for name, text in logs.items()})
    assert not leaks(places, APPLICANT)
