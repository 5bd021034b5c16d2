"""Which traces are recorded and where they go, from the standard OTEL_* variables (shared.observability.telemetry)."""

import pytest

from shared.observability.telemetry import UnknownExporterError, exporter_names, sql_spans, tracing_disabled

ZIPKIN = {"OTEL_EXPORTER_ZIPKIN_ENDPOINT": "http://127.0.0.1:19411/api/v2/spans"}
OTLP = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}


def test_without_otel_traces_exporter_each_configured_endpoint_is_exported_to() -> None:
    assert exporter_names({}) == []
    assert exporter_names(ZIPKIN) == ["zipkin"]
    assert exporter_names(OTLP | ZIPKIN) == ["otlp", "zipkin"]
    assert exporter_names({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://jaeger:4318/v1/traces"}) == ["otlp"]


def test_otel_traces_exporter_chooses_the_exporters_whatever_endpoints_are_set() -> None:
    assert exporter_names(OTLP | ZIPKIN | {"OTEL_TRACES_EXPORTER": "zipkin"}) == ["zipkin"]
    assert exporter_names(ZIPKIN | {"OTEL_TRACES_EXPORTER": " OTLP , console"}) == ["otlp", "console"]
    assert exporter_names(OTLP | ZIPKIN | {"OTEL_TRACES_EXPORTER": "none"}) == []


def test_an_unknown_exporter_is_refused_naming_it() -> None:
    with pytest.raises(UnknownExporterError, match=r"no exporter \['jaegr'\]"):
        exporter_names({"OTEL_TRACES_EXPORTER": "jaegr"})


def test_otel_sdk_disabled_turns_every_exporter_and_sql_span_off() -> None:
    disabled = OTLP | ZIPKIN | {"OTEL_SDK_DISABLED": "true", "LIENTHONG_TRACE_SQL": "true"}

    assert tracing_disabled(disabled)
    assert exporter_names(disabled) == []
    assert not sql_spans(disabled)
    assert not tracing_disabled({"OTEL_SDK_DISABLED": "false"})


@pytest.mark.parametrize(("value", "expected"), [(None, False), ("true", True), ("1", True), ("no", False)])
def test_sql_statement_spans_are_off_unless_asked_for(value: str | None, expected: bool) -> None:
    environ = {} if value is None else {"LIENTHONG_TRACE_SQL": value}

    assert sql_spans(environ) is expected
