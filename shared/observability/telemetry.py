"""Tracing setup: one TracerProvider per service process, exported where the standard ``OTEL_*`` variables say.

- ``OTEL_TRACES_EXPORTER``: ``otlp``, ``zipkin``, ``console`` or ``none``, comma-separated. Unset, a
  service exports OTLP/HTTP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``…_TRACES_ENDPOINT``) is set
  (Jaeger in docker-compose) and Zipkin JSON v2 when ``OTEL_EXPORTER_ZIPKIN_ENDPOINT`` is (the local
  Zipkin of ``make demo``); each exporter gets its own batch processor.
- ``OTEL_SDK_DISABLED=true``: no span is recorded or exported at all.
- ``OTEL_TRACES_SAMPLER`` / ``…_ARG``: the SDK's samplers (parent-based, ratio), read by the SDK.

Spans of single SQL statements are off unless ``LIENTHONG_TRACE_SQL`` is true: they were most of the
spans of a dossier's trace and a large share of tracing's cost, while the request, message and
publish spans keep each dossier's trace whole.
"""

import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.exporter.zipkin.json import ZipkinExporter
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import Span

from shared.observability.dossier_tracing import DOSSIER_CODE, DossierSpanProcessor

_DOSSIER_PATH = re.compile(r"/dossiers/([^/?]+)")


class UnknownExporterError(ValueError):
    """``OTEL_TRACES_EXPORTER`` names an exporter lienthong does not have."""


EXPORTERS: dict[str, Callable[[], SpanExporter]] = {
    "otlp": OTLPSpanExporter,
    "zipkin": ZipkinExporter,
    "console": ConsoleSpanExporter,
}


def tracing_disabled(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"


def exporter_names(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The exporters the environment asks for, in the order given."""
    if tracing_disabled(environ):
        return []
    chosen = environ.get("OTEL_TRACES_EXPORTER")
    if chosen is not None:
        names = [name.strip().lower() for name in chosen.split(",") if name.strip()]
        unknown = [name for name in names if name != "none" and name not in EXPORTERS]
        if unknown:
            raise UnknownExporterError(
                f"OTEL_TRACES_EXPORTER: no exporter {unknown} (known: {sorted(EXPORTERS)}, none)"
            )
        return [] if "none" in names else names
    names = []
    if environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        names.append("otlp")
    if environ.get("OTEL_EXPORTER_ZIPKIN_ENDPOINT"):
        names.append("zipkin")
    return names


def setup_tracing(service: str) -> TracerProvider:
    """Provider named ``lienthong-<service>`` whose spans carry the dossier's codes."""
    resource = Resource.create({"service.name": f"lienthong-{service}"})
    if tracing_disabled():
        return TracerProvider(resource=resource, sampler=ALWAYS_OFF)
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(DossierSpanProcessor())
    for name in exporter_names():
        provider.add_span_processor(BatchSpanProcessor(EXPORTERS[name]()))
    return provider


def sql_spans(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether SQL statements get spans of their own (``LIENTHONG_TRACE_SQL``)."""
    return environ.get("LIENTHONG_TRACE_SQL", "").strip().lower() in {"1", "true", "yes"} and not tracing_disabled(
        environ
    )


def instrument_asyncpg(provider: TracerProvider) -> None:
    """Trace asyncpg calls, nested under the request or message being handled, when :func:`sql_spans` says so.

    Statements are recorded without their parameters, which hold citizen data.
    """
    if not sql_spans():
        return
    instrumentor = AsyncPGInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)


def mark_dossier_request(span: Span, scope: dict[str, Any]) -> None:
    """FastAPI server hook: a request about ``/…/dossiers/<code>`` carries that code."""
    match = _DOSSIER_PATH.search(str(scope.get("path", "")))
    if match and span.is_recording():
        span.set_attribute(DOSSIER_CODE, match.group(1))
