"""Dossier codes on spans and in the baggage header; the metrics registry; operator CLI parsing.

The broker here is FastStream's in-memory ``TestKafkaBroker``: it proves the wiring of the
middlewares, not delivery.
"""

from typing import Any

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from opentelemetry import baggage, context
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families

from operations import build_parser
from operations.dead_letters import DeadLetter, parse_id
from shared.observability.dossier_tracing import (
    DOSSIER_CODE,
    PROCEDURE_CODE,
    DossierSpanProcessor,
    DossierTraceMiddleware,
    baggage_headers,
    current_codes,
    dossier_context,
)
from shared.observability.metrics import ServiceMetrics
from shared.observability.trace_ui import dossier_search_url, trace_id_of, trace_url

CODE = "000.01.15.H40-261122-0003"


def _provider() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(DossierSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


def test_spans_started_in_a_dossiers_context_carry_its_codes() -> None:
    provider, exporter = _provider()
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("request") as request:
        token = context.attach(dossier_context(CODE, "1.001193"))
        try:
            with tracer.start_as_current_span("insert"):
                pass
        finally:
            context.detach(token)
        with tracer.start_as_current_span("after"):
            pass
    spans = {s.name: dict(s.attributes or {}) for s in exporter.get_finished_spans()}
    assert spans["request"] == {DOSSIER_CODE: CODE, PROCEDURE_CODE: "1.001193"}, "the current span is marked too"
    assert spans["insert"] == {DOSSIER_CODE: CODE, PROCEDURE_CODE: "1.001193"}
    assert spans["after"] == {}
    assert request.get_span_context().is_valid


def test_an_event_without_a_procedure_keeps_the_one_its_cause_named() -> None:
    ctx = dossier_context(None, None, dossier_context(CODE, "1.001193"))
    assert current_codes(dossier_context(CODE, None, ctx)) == {DOSSIER_CODE: CODE, PROCEDURE_CODE: "1.001193"}


def test_the_baggage_header_carries_only_the_dossiers_codes() -> None:
    ctx = baggage.set_baggage("user.phone", "0912345678", dossier_context(CODE, "1.001193"))
    headers = baggage_headers({"ce_id": "x", "baggage": "stale=1"}, ctx)
    assert headers["ce_id"] == "x"
    assert sorted(headers["baggage"].split(",")) == [f"{DOSSIER_CODE}={CODE}", f"{PROCEDURE_CODE}=1.001193"]


async def test_a_consumed_messages_span_carries_the_codes_from_its_headers_and_body() -> None:
    provider, exporter = _provider()
    broker = KafkaBroker(middlewares=[KafkaTelemetryMiddleware(tracer_provider=provider), DossierTraceMiddleware])
    seen: list[dict[str, str]] = []

    @broker.subscriber("task.assigned.v1")
    async def handle(body: dict[str, Any]) -> None:
        seen.append(current_codes())

    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish({"procedure_code": "1.013978"}, "task.assigned.v1", headers={"ce_subject": CODE})
        await test_broker.publish(
            {}, "task.assigned.v1", headers={"ce_subject": "other", "baggage": f"{PROCEDURE_CODE}=1.001193"}
        )
    assert seen == [
        {DOSSIER_CODE: CODE, PROCEDURE_CODE: "1.013978"},
        {DOSSIER_CODE: "other", PROCEDURE_CODE: "1.001193"},
    ]
    process = [s for s in exporter.get_finished_spans() if s.name.endswith(" process")]
    assert (process[0].attributes or {}).get(DOSSIER_CODE) == CODE


async def test_the_registry_exposes_every_metric_and_counts_a_failing_source_without_failing() -> None:
    metrics = ServiceMetrics("department")
    metrics.unit_on_time_ratio.labels("17179.VP").set(0.75)
    metrics.count_published("vn.lienthong.task.deadline.v1", {"unit_code": "17179.VP", "kind": "overdue"})
    metrics.count_published("vn.lienthong.task.completed.v1", {"unit_code": "17179.VP"})

    async def unreachable() -> None:
        raise ConnectionRefusedError("no broker")

    metrics.on_scrape("kafka", unreachable)
    text = (await metrics.exposition()).decode()
    families = text_string_to_metric_families(text)
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families for s in f.samples}
    assert samples[("lienthong_task_deadline_marks_total", (("kind", "overdue"), ("unit", "17179.VP")))] == 1
    assert samples[("lienthong_unit_on_time_ratio", (("unit", "17179.VP"),))] == 0.75
    assert samples[("lienthong_metrics_refresh_failures_total", (("source", "kafka"),))] == 1
    for name in ("lienthong_outbox_backlog", "lienthong_outbox_oldest_age_seconds"):
        assert (name, ()) in samples


def test_trace_links_point_at_the_trace_and_at_a_search_by_dossier_code() -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    assert trace_id_of(f"00-{trace_id}-00f067aa0ba902b7-01") == trace_id
    assert trace_id_of("garbage") is None
    assert trace_url(trace_id) == f"http://127.0.0.1:19411/zipkin/traces/{trace_id}"
    assert trace_url(trace_id, "http://localhost:16686/trace/{trace_id}") == f"http://localhost:16686/trace/{trace_id}"
    search = dossier_search_url(CODE)
    assert search is not None
    assert "annotationQuery=lienthong.dossier.code%3D000.01.15.H40-261122-0003" in search
    assert dossier_search_url(CODE, "http://localhost:16686/trace/{trace_id}") is None


def test_dead_letter_ids_and_bodies_as_operators_see_them() -> None:
    assert parse_id("p.dossier.submitted.v1.dlq:3:17") == ("p.dossier.submitted.v1.dlq", 3, 17)
    with pytest.raises(ValueError, match="not a dead-letter id"):
        parse_id("p.dossier.submitted.v1.dlq:3")
    letter = DeadLetter(
        "p.dossier.submitted.v1.dlq",
        0,
        5,
        b"k",
        b'{"dossier_code": "X", "applicant": {"citizen_id": "040301000123", "full_name": "H", "email": null,'
        b' "date_of_birth": "2001-05-14", "zalo_user_id": "4411", "language": "vi"}}',
        {"ce_id": "e", "dlq_error": "boom", "dlq_original_topic": "p.dossier.submitted.v1", "traceparent": "t"},
    )
    assert letter.replay_headers() == {"ce_id": "e", "traceparent": "t"}
    assert letter.body()["applicant"] == {
        "citizen_id": "[hidden]",
        "full_name": "[hidden]",
        "email": None,
        "date_of_birth": "[hidden]",
        "zalo_user_id": "[hidden]",
        "language": "vi",
    }
    assert letter.body(reveal=True)["applicant"]["citizen_id"] == "040301000123"


def test_a_replay_without_a_reason_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["dlq", "replay", "--all"])
    assert exit_.value.code == 2
    assert "--reason" in capsys.readouterr().err
