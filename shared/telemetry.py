"""Tracing setup: one TracerProvider per service process, exported over OTLP when configured."""

import os

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor


def setup_tracing(service: str) -> TracerProvider:
    """Provider named ``lienthong-<service>``; exports when an ``OTEL_EXPORTER_OTLP_*`` endpoint is set."""
    provider = TracerProvider(resource=Resource.create({"service.name": f"lienthong-{service}"}))
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def instrument_asyncpg(provider: TracerProvider) -> None:
    """Trace asyncpg calls, nested under the request or message being handled."""
    instrumentor = AsyncPGInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)
