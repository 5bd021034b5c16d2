"""JSON log lines: trace and span ids on every line, the dossier's codes, citizen data masked."""

import io
import json
import logging
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from faststream._internal.context.repository import ContextRepo
from opentelemetry import context
from opentelemetry.sdk.trace import TracerProvider

from shared.observability.dossier_tracing import DOSSIER_CODE, PROCEDURE_CODE, dossier_context
from shared.observability.logging_setup import json_handler, redact

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture
def written() -> Iterator[tuple[logging.Logger, io.StringIO, ContextRepo]]:
    stream, messages = io.StringIO(), ContextRepo()
    logger = logging.getLogger(f"test.observability.{id(stream)}")
    logger.handlers[:] = [json_handler("routing", stream, messages)]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    yield logger, stream, messages
    logger.handlers.clear()


def _records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_line_outside_any_span_has_zero_ids(written: tuple[logging.Logger, io.StringIO, ContextRepo]) -> None:
    logger, stream, _ = written
    logger.info("relay started for %s", "routing")
    [record] = _records(stream)
    assert record["message"] == "relay started for routing"
    assert record["trace_id"] == "0" * 32
    assert record["span_id"] == "0" * 16
    assert record["service"] == "lienthong-routing"
    assert record["level"] == "INFO"
    assert DOSSIER_CODE not in record


def test_a_line_inside_a_dossiers_span_carries_its_ids_and_codes(
    written: tuple[logging.Logger, io.StringIO, ContextRepo],
) -> None:
    logger, stream, _ = written
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("handle") as span:
        token = context.attach(dossier_context("000.01.15.H40-261122-0003", "1.001193"))
        try:
            logger.warning("ignoring a late event")
        finally:
            context.detach(token)
    [record] = _records(stream)
    assert record["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert record["span_id"] == format(span.get_span_context().span_id, "016x")
    assert record[DOSSIER_CODE] == "000.01.15.H40-261122-0003"
    assert record[PROCEDURE_CODE] == "1.001193"


def test_a_line_about_a_message_outside_its_span_takes_the_trace_from_the_message_headers(
    written: tuple[logging.Logger, io.StringIO, ContextRepo],
) -> None:
    logger, stream, messages = written
    message = SimpleNamespace(
        headers={"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01", "ce_subject": "000.01.15.H40-261122-0004"}
    )
    with messages.scope("message", message):
        logger.info("Received")
    [record] = _records(stream)
    assert record["trace_id"] == TRACE_ID
    assert record["span_id"] == "00f067aa0ba902b7"
    assert record[DOSSIER_CODE] == "000.01.15.H40-261122-0004"


def test_citizen_ids_phone_numbers_and_quoted_input_values_are_masked(
    written: tuple[logging.Logger, io.StringIO, ContextRepo],
) -> None:
    logger, stream, _ = written
    logger.error("applicant 040301000123 at 0912345678 or +84912345678")
    try:
        raise ValueError(
            "1 validation error\n  Field required"
            " [type=missing, input_value={'full_name': 'Hồ Thị Lan'}, input_type=dict]"
        )
    except ValueError:
        logger.exception("bad body")
    text = stream.getvalue()
    for secret in ("040301000123", "0912345678", "+84912345678", "Hồ Thị Lan"):
        assert secret not in text
    assert "[redacted-id]" in text
    assert "[redacted-phone]" in text
    assert [r["message"] for r in _records(stream)] == [
        "applicant [redacted-id] at [redacted-phone] or [redacted-phone]",
        "bad body",
    ]


@pytest.mark.parametrize(
    "kept",
    [
        "000.01.15.H40-261122-0003",
        TRACE_ID,
        "offset 1763780000123 of partition 3",
        "task 5f0c2a1e-4b7d-4c1a-9e2f-0123456789ab",
        "event 5f0c2a1e-4b7d-4c1a-9e2f-012345678901",
        "17179.VP",
    ],
)
def test_codes_ids_and_offsets_are_not_mistaken_for_personal_data(kept: str) -> None:
    assert redact(kept) == kept


def test_an_email_address_is_masked_wherever_it_appears() -> None:
    text = "SMTP 550 for <lan.ho+zalo@mail.example.vn> (dossier 000.01.15.H40-261122-0003)"

    assert redact(text) == "SMTP 550 for <[redacted-email]> (dossier 000.01.15.H40-261122-0003)"
