"""Tracing setup: one TracerProvider per service process, exported where the ``OTEL_*`` variables say.

- ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``…_TRACES_ENDPOINT``): OTLP/HTTP, e.g. to Jaeger in
  docker-compose.
- ``OTEL_EXPORTER_ZIPKIN_ENDPOINT``: Zipkin's JSON v2 API, e.g. the local Zipkin server
  that ``make demo`` starts (``deploy/local/zipkin.sh``).

Both may be set at once; each gets its own batch processor.
"""

import os
import re
from typing import Any

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.exporter.zipkin.json import ZipkinExporter
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span

from shared.observability.dossier_tracing import DOSSIER_CODE, DossierSpanProcessor

_DOSSIER_PATH = re.compile(r"/dossiers/([^/?]+)")


def setup_tracing(service: str) -> TracerProvider:
    """Provider named ``lienthong-<service>`` whose spans carry the dossier's codes."""
    provider = TracerProvider(resource=Resource.create({"service.name": f"lienthong-{service}"}))
    provider.add_span_processor(DossierSpanProcessor())
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    if os.environ.get("OTEL_EXPORTER_ZIPKIN_ENDPOINT"):
        provider.add_span_processor(BatchSpanProcessor(ZipkinExporter()))
    return provider


def instrument_asyncpg(provider: TracerProvider) -> None:
    """Trace asyncpg calls, nested under the request or message being handled.

    Statements are recorded without their parameters, which hold citizen data.
    """
    instrumentor = AsyncPGInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)


def mark_dossier_request(span: Span, scope: dict[str, Any]) -> None:
    """FastAPI server hook: a request about ``/…/dossiers/<code>`` carries that code."""
    match = _DOSSIER_PATH.search(str(scope.get("path", "")))
    if match and span.is_recording():
        span.set_attribute(DOSSIER_CODE, match.group(1))
