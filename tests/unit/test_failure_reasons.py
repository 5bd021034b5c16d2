"""A failure's reason (dead letters, log lines) names the field and the kind of error, never an applicant's value."""

import json
from typing import Any

import asyncpg
import pytest
from pydantic import BaseModel, ValidationError, field_validator

from operations.dead_letters import DeadLetter
from shared.contracts import Applicant, DossierStatusChanged
from shared.contracts.cloudevents import MalformedEventError, parse_body
from shared.contracts.validation_reasons import validation_reason
from shared.kernel.failure_reasons import failure_reason
from tests.support.events import status_changed

CITIZEN_ID = "040198765432"
PHONE = "0914661367"
EMAIL = "lan.9f3a1c@example.vn"
NAME = "Trần Thị Lan"


class Contact(BaseModel):
    """A model whose validator, as validators often do, quotes the value it refuses."""

    email: str

    @field_validator("email")
    @classmethod
    def _has_at(cls, value: str) -> str:
        if "@" not in value:
            raise ValueError(f"{value} is not an e-mail address")
        return value


def _refused(model: type[BaseModel], data: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(data)
    assert any(v in str(refused.value) for v in data.values()), "pydantic's own text quotes the input"
    return refused.value


def test_a_validation_error_names_the_field_and_the_kind_of_error_without_the_value() -> None:
    error = _refused(Applicant, {"citizen_id": PHONE, "full_name": NAME, "phone": f"tel {PHONE}"})

    reason = failure_reason(error)

    assert reason.startswith("ValidationError: 2 validation error(s) for Applicant: ")
    assert "citizen_id: String should match pattern" in reason
    assert "phone: String should match pattern" in reason
    assert "(string_pattern_mismatch)" in reason
    assert PHONE not in reason
    assert NAME not in reason


def test_a_validators_own_message_is_left_out_as_it_may_quote_the_value() -> None:
    error = _refused(Contact, {"email": "lan.example.vn"})

    reason = validation_reason(error)

    assert reason == "email: value_error"


def test_a_refused_event_body_is_told_without_the_applicants_values() -> None:
    applicant = {"citizen_id": CITIZEN_ID, "full_name": NAME, "phone": f"+{PHONE}x", "email": EMAIL}
    body = {**json.loads(status_changed().model_dump_json()), "applicant": applicant}

    with pytest.raises(MalformedEventError) as refused:
        parse_body(json.dumps(body).encode(), DossierStatusChanged)

    reason = failure_reason(refused.value)
    assert reason == (
        "MalformedEventError: bad DossierStatusChanged body:"
        " applicant.phone: String should match pattern '^\\+?\\d{9,15}$' (string_pattern_mismatch)"
    )
    assert not [v for v in (CITIZEN_ID, NAME, PHONE, EMAIL) if v in reason]


def test_a_postgres_constraint_violation_keeps_its_message_and_drops_the_failing_row() -> None:
    error = asyncpg.exceptions.CheckViolationError(
        'new row for relation "deliveries" violates check constraint "refuse_recipient"'
    )
    error.detail = f"Failing row contains (17, email, {EMAIL}, {NAME}, {PHONE})."
    assert PHONE in str(error), "asyncpg's own text carries the row"

    reason = failure_reason(error)

    assert reason == (
        "CheckViolationError: SQLSTATE 23514:"
        ' new row for relation "deliveries" violates check constraint "refuse_recipient"'
    )


def test_a_postgres_data_error_names_the_sqlstate_and_objects_and_not_the_value() -> None:
    error = asyncpg.exceptions.InvalidTextRepresentationError(f'invalid input syntax for type bigint: "{PHONE}x"')
    error.column_name = "recipient"

    reason = failure_reason(error)

    assert reason == "InvalidTextRepresentationError: SQLSTATE 22P02: column recipient"


def test_any_other_error_is_told_with_citizen_id_and_phone_numbers_masked() -> None:
    reason = failure_reason(RuntimeError(f"cannot reach {PHONE} of {CITIZEN_ID} for 000.01.15.H40-250814-0001"))

    assert reason == "RuntimeError: cannot reach [redacted-phone] of [redacted-id] for 000.01.15.H40-250814-0001"


def test_the_cli_masks_the_bodys_personal_values_in_the_headers_of_a_dead_letter_unless_revealed() -> None:
    applicant = {"citizen_id": CITIZEN_ID, "full_name": NAME, "phone": PHONE, "email": EMAIL, "date_of_birth": None}
    written_before = f"CheckViolationError: violates check\nDETAIL:  Failing row contains (1, {EMAIL}, {NAME})."
    headers = {"ce_subject": "000.01.15.H40-250814-0001", "dlq_error": written_before, "dlq_failed_at": "2025-08-15"}
    letter = DeadLetter("t.x.dlq", 0, 7, None, json.dumps({"applicant": applicant}).encode(), headers)

    shown = letter.shown_headers()

    assert (
        shown["dlq_error"]
        == "CheckViolationError: violates check\nDETAIL:  Failing row contains (1, [hidden], [hidden])."
    )
    assert shown["ce_subject"] == headers["ce_subject"]
    assert shown["dlq_failed_at"] == headers["dlq_failed_at"]
    assert letter.shown_headers(reveal=True) == headers
