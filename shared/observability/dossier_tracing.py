"""The dossier in traces: every span of a dossier's work carries its dossier and procedure codes.

The codes travel as W3C baggage: in the trace context stored with each outbox row and
in a ``baggage`` header on every published message. A span processor copies them onto
each span as it starts, so an operator finds every trace of a dossier (the submission,
later clerk actions, each notification) by searching one attribute. Nothing else from
the baggage is copied: citizen data never reaches a span.
"""

import json
from collections.abc import Awaitable, Callable
from typing import Any

from faststream import BaseMiddleware, StreamMessage
from opentelemetry import baggage, context, trace
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

DOSSIER_CODE = "lienthong.dossier.code"
PROCEDURE_CODE = "lienthong.procedure.code"
DOSSIER_KEYS = (DOSSIER_CODE, PROCEDURE_CODE)

_BAGGAGE = W3CBaggagePropagator()


def current_codes(ctx: Context | None = None) -> dict[str, str]:
    """The dossier and procedure codes known in ``ctx`` (the current context by default)."""
    found = {key: baggage.get_baggage(key, ctx) for key in DOSSIER_KEYS}
    return {key: str(value) for key, value in found.items() if value}


def dossier_context(code: str | None, procedure: str | None = None, ctx: Context | None = None) -> Context:
    """``ctx`` with the dossier's codes as baggage; also marks the current span with them.

    A code not given keeps the one already in the context, so events that do not name
    their procedure still carry the one their cause named.
    """
    ctx = ctx if ctx is not None else context.get_current()
    span = trace.get_current_span(ctx)
    for key, value in ((DOSSIER_CODE, code), (PROCEDURE_CODE, procedure)):
        if value:
            ctx = baggage.set_baggage(key, value, ctx)
            span.set_attribute(key, value)
    return ctx


def baggage_headers(headers: dict[str, str], ctx: Context | None = None) -> dict[str, str]:
    """``headers`` plus a W3C ``baggage`` header holding only the dossier's codes."""
    only_codes = Context()
    for key, value in current_codes(ctx).items():
        only_codes = baggage.set_baggage(key, value, only_codes)
    carrier = dict(headers)
    carrier.pop("baggage", None)
    _BAGGAGE.inject(carrier, only_codes)
    return carrier


class DossierSpanProcessor(SpanProcessor):
    """Copies the dossier's codes from the baggage onto every span when it starts."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        for key, value in current_codes(parent_context).items():
            span.set_attribute(key, value)

    def on_end(self, span: ReadableSpan) -> None:
        pass


class DossierTraceMiddleware(BaseMiddleware):
    """Consumer side: the message's dossier becomes the baggage of its processing.

    Runs inside the telemetry middleware, so the current span is the message's
    ``process`` span. The codes come from the ``baggage`` header, else from
    ``ce_subject`` (the dossier code) and the body's ``procedure_code``.
    """

    async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: StreamMessage[Any]) -> Any:
        headers = {str(k): str(v) for k, v in msg.headers.items()}
        received = current_codes(_BAGGAGE.extract(headers, Context()))
        code = received.get(DOSSIER_CODE) or headers.get("ce_subject")
        procedure = received.get(PROCEDURE_CODE) or _procedure_in(msg.body)
        token = context.attach(dossier_context(code, procedure))
        try:
            return await call_next(msg)
        finally:
            context.detach(token)


def _procedure_in(body: bytes) -> str | None:
    try:
        decoded = json.loads(body)
    except (ValueError, TypeError):
        return None
    value = decoded.get("procedure_code") if isinstance(decoded, dict) else None
    return value if isinstance(value, str) else None
