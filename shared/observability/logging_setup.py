"""Structured logs: one JSON object per line, with the trace and span of the work being done.

Every record gets ``trace_id`` and ``span_id`` (zeros outside any span) and, when the
work concerns a dossier, ``lienthong.dossier.code`` and ``lienthong.procedure.code``.
Citizen ID and phone numbers, and the input values pydantic quotes in its errors, are
masked in the written line whatever logged them.
"""

import logging
import re
import sys
from typing import Any, TextIO

from faststream._internal.context.repository import ContextRepo
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanContext
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from shared.observability.dossier_tracing import DOSSIER_CODE, current_codes

_INVALID_TRACE = "0" * 32
_INVALID_SPAN = "0" * 16

# The libraries that install handlers of their own: their lines must be JSON too.
_LIBRARY_LOGGERS = ("faststream", "faststream.access", "faststream.access.kafka", "uvicorn", "uvicorn.error")

_REDACTIONS = (
    (re.compile(r"input_value=.*?(, input_type=)"), r"input_value='[redacted]'\1"),
    # Not inside dossier codes, dotted unit codes or UUIDs (whose last group may be all digits).
    (re.compile(r"(?<![\w.-])\d{12}(?![\w.-])"), "[redacted-id]"),
    (re.compile(r"(?<![\w.-])(?:\+84|84|0)\d{9,10}(?![\w.-])"), "[redacted-phone]"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[redacted-email]"),
)


def redact(text: str) -> str:
    """``text`` with citizen ID numbers, phone numbers, e-mail addresses and quoted input values masked."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class TraceContextFilter(logging.Filter):
    """Adds the current trace, span and dossier to each record.

    FastStream logs "Received" and "Processed" outside the message's span; for those the
    trace and dossier come from the headers of the message being handled, read from
    FastStream's context (``messages``), and the span is the one that published it.
    """

    def __init__(self, messages: ContextRepo | None = None) -> None:
        super().__init__()
        self._messages = messages

    def filter(self, record: logging.LogRecord) -> bool:
        span = trace.get_current_span().get_span_context()
        codes = current_codes()
        if not span.is_valid:
            span, codes = self._from_message(span, codes)
        record.trace_id = format(span.trace_id, "032x") if span.is_valid else _INVALID_TRACE
        record.span_id = format(span.span_id, "016x") if span.is_valid else _INVALID_SPAN
        for key, value in codes.items():
            setattr(record, key, value)
        return True

    def _from_message(self, span: SpanContext, codes: dict[str, str]) -> tuple[SpanContext, dict[str, str]]:
        message = self._messages.get_local("message") if self._messages is not None else None
        if message is None:
            return span, codes
        headers = {str(k): str(v) for k, v in message.headers.items()}
        received = propagate.extract(headers)
        codes = current_codes(received) or ({DOSSIER_CODE: headers["ce_subject"]} if "ce_subject" in headers else {})
        return trace.get_current_span(received).get_span_context(), codes


class RedactingJsonFormatter(JsonFormatter):
    """python-json-logger's formatter whose output line goes through :func:`redact`."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def json_handler(service: str, stream: TextIO | None = None, messages: ContextRepo | None = None) -> logging.Handler:
    """A handler writing the JSON lines of ``service`` to ``stream`` (stdout by default).

    ``messages`` is the broker's context, where FastStream keeps the message being handled.
    """
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(
        RedactingJsonFormatter(
            "%(levelname)s %(name)s %(message)s %(trace_id)s %(span_id)s",
            rename_fields={"levelname": "level", "name": "logger"},
            static_fields={"service": f"lienthong-{service}"},
            timestamp="time",
            json_ensure_ascii=False,  # Vietnamese stays readable, and scans for names see them
            reserved_attrs=[*RESERVED_ATTRS, "color_message"],  # uvicorn's copy of the message with ANSI colours
        )
    )
    handler.addFilter(TraceContextFilter(messages))
    return handler


def configure_logging(
    service: str, *, messages: ContextRepo | None = None, level: int = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """Send every log record of the process, libraries' and warnings included, through one JSON handler."""
    handler = json_handler(service, stream, messages)
    logging.captureWarnings(True)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _LIBRARY_LOGGERS:
        library: Any = logging.getLogger(name)
        # FastStream adds its own stdout handler unless one is there already; ours is.
        library.handlers[:] = [handler] if name.startswith("faststream") else []
        library.propagate = not name.startswith("faststream")
    return handler
