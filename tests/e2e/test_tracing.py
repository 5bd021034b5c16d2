"""One dossier, one trace: from the intake request through every relay and consumer."""

import secrets

import httpx
from stack import ServiceStack

from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, ledger, open_task, submit
from tests.support.otlp_receiver import OtlpReceiver, ReceivedSpan
from tests.support.waiting import eventually

FOUR_SERVICES = {"lienthong-intake", "lienthong-routing", "lienthong-department", "lienthong-notification"}


async def test_a_submitted_dossier_yields_one_trace_with_spans_of_all_four_services(
    http: httpx.AsyncClient, stack: ServiceStack, otlp: OtlpReceiver
) -> None:
    trace_id = secrets.token_hex(16)
    traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
    code = (await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU, traceparent=traceparent))["code"]
    await open_task(http, stack.url("department"), "17179.VP", code)
    await ledger(http, stack.url("notification"), code, 2)

    async def services_in_trace() -> set[str] | None:
        services = {s.service for s in otlp.snapshot() if s.trace_id == trace_id}
        return services if services >= FOUR_SERVICES else None

    assert await eventually(services_in_trace, what="spans of all four services in the dossier's trace")

    def roots() -> list[ReceivedSpan]:
        spans = [s for s in otlp.snapshot() if s.trace_id == trace_id]
        ids = {s.span_id for s in spans}
        return [s for s in spans if s.parent_span_id not in ids]

    # Every span hangs off the trace's root, none starts a trace of its own; a parent
    # may arrive in a later export batch than its child, hence the wait.
    async def only_the_intake_root() -> list[ReceivedSpan] | None:
        found = roots()
        return found if {s.service for s in found} == {"lienthong-intake"} else None

    await eventually(only_the_intake_root, timeout=10, what="a single root span, in intake")
    names = {(s.service, s.name) for s in otlp.snapshot() if s.trace_id == trace_id}
    assert ("lienthong-intake", "POST /v1/dossiers") in names
    assert any(service == "lienthong-department" and "task-orders" in name for service, name in names), names
