"""CloudEvents 1.0 in Kafka binary mode (shared.contracts.cloudevents)."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from shared.contracts import (
    DOSSIER_INTAKE,
    TASK_OUTCOMES,
    Applicant,
    DossierStatus,
    DossierStatusChanged,
    DossierSubmitted,
    TaskCompleted,
)
from shared.contracts.cloudevents import (
    CONTENT_TYPE,
    SPEC_VERSION,
    CloudEventHeaders,
    MalformedEventError,
    headers_for,
    parse_body,
    parse_headers,
)

CODE = "000.00.15.H40-250814-0001"


def _submitted() -> DossierSubmitted:
    return DossierSubmitted(
        dossier_id=uuid4(),
        dossier_code=CODE,
        procedure_code="1.001193",
        applicant=Applicant(citizen_id="040123456789", full_name="Nguyễn Văn An", phone="0912345678"),
        receiving_agency="000.00.15.H40",
        commune_code="17179",
        province_code="40",
        received_at=datetime(2025, 8, 14, 8, 0, tzinfo=UTC),
        due_at=datetime(2025, 8, 14, 8, 0, tzinfo=UTC),
        client_id="counter-1",
    )


def _kafka_headers() -> dict[str, str]:
    return headers_for(_submitted(), source="intake").as_kafka_headers()


def test_headers_carry_every_cloudevents_attribute_and_the_content_type() -> None:
    headers = _kafka_headers()

    assert set(headers) == {
        "ce_specversion",
        "ce_id",
        "ce_type",
        "ce_source",
        "ce_time",
        "ce_subject",
        "content-type",
    }
    assert headers["ce_specversion"] == "1.0" == SPEC_VERSION
    assert headers["ce_type"] == "vn.lienthong.dossier.submitted.v1"
    assert headers["ce_source"] == "intake"
    assert headers["ce_subject"] == CODE
    assert headers["content-type"] == "application/json" == CONTENT_TYPE


def test_event_id_is_a_fresh_uuid() -> None:
    first, second = _kafka_headers()["ce_id"], _kafka_headers()["ce_id"]

    assert str(UUID(first)) == first
    assert first != second


def test_given_event_id_is_kept() -> None:
    event_id = uuid4()

    assert headers_for(_submitted(), source="intake", event_id=event_id).id == event_id


def test_time_is_now_in_utc() -> None:
    before = datetime.now(UTC)
    headers = headers_for(_submitted(), source="intake")
    after = datetime.now(UTC)

    assert headers.time.utcoffset() == timedelta(0)
    assert before <= headers.time <= after
    assert datetime.fromisoformat(headers.as_kafka_headers()["ce_time"]) == headers.time


def test_type_follows_the_topic_of_the_event() -> None:
    changed = DossierStatusChanged(
        dossier_id=uuid4(),
        dossier_code=CODE,
        status=DossierStatus.DONE,
        previous_status=DossierStatus.PROCESSING,
        procedure_code="1.001193",
        applicant=Applicant(citizen_id="040123456789", full_name="Nguyễn Văn An"),
        received_at=datetime(2025, 8, 14, tzinfo=UTC),
        due_at=datetime(2025, 8, 14, tzinfo=UTC),
        changed_at=datetime(2025, 8, 15, tzinfo=UTC),
    )

    assert headers_for(changed, source="routing").type == "vn.lienthong.dossier.status-changed.v1"


def test_parsed_headers_equal_the_sent_ones() -> None:
    sent = headers_for(_submitted(), source="intake")

    received, event_type = parse_headers(sent.as_kafka_headers(), DOSSIER_INTAKE)

    assert received == sent
    assert event_type.model is DossierSubmitted
    assert received.subject == CODE


def test_unrelated_headers_are_ignored() -> None:
    headers = _kafka_headers() | {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}

    assert parse_headers(headers, DOSSIER_INTAKE)[0].source == "intake"


def test_missing_id_is_malformed() -> None:
    headers = _kafka_headers()
    del headers["ce_id"]

    with pytest.raises(MalformedEventError, match=r"bad CloudEvents headers: ce_id: Field required"):
        parse_headers(headers, DOSSIER_INTAKE)


def test_id_that_is_not_a_uuid_is_malformed() -> None:
    headers = _kafka_headers() | {"ce_id": "not-a-uuid"}

    with pytest.raises(MalformedEventError, match=r"ce_id: Input should be a valid UUID"):
        parse_headers(headers, DOSSIER_INTAKE)


def test_other_spec_version_is_malformed() -> None:
    headers = _kafka_headers() | {"ce_specversion": "0.3"}

    with pytest.raises(MalformedEventError, match=r"ce_specversion"):
        parse_headers(headers, DOSSIER_INTAKE)


def test_type_the_stream_does_not_carry_is_malformed() -> None:
    with pytest.raises(MalformedEventError) as caught:
        parse_headers(_kafka_headers(), TASK_OUTCOMES)

    assert str(caught.value) == (
        "ce_type 'vn.lienthong.dossier.submitted.v1' is not carried by stream department.task-outcomes.v1"
        " ('vn.lienthong.task.completed.v1', 'vn.lienthong.task.supplement-requested.v1',"
        " 'vn.lienthong.task.returned.v1', 'vn.lienthong.task.extended.v1',"
        " 'vn.lienthong.task.payment-requested.v1', 'vn.lienthong.result.issued.v1')"
    )


def test_message_without_any_cloudevents_header_names_every_missing_attribute() -> None:
    with pytest.raises(MalformedEventError) as caught:
        parse_headers({"content-type": "application/json"}, DOSSIER_INTAKE)

    message = str(caught.value)
    for name in ("ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time"):
        assert name in message


@pytest.mark.parametrize("name", ["ce_source", "ce_subject", "ce_type"])
def test_empty_attribute_is_malformed(name: str) -> None:
    with pytest.raises(MalformedEventError, match=name):
        parse_headers(_kafka_headers() | {name: ""}, DOSSIER_INTAKE)


def test_time_that_is_not_a_timestamp_is_malformed() -> None:
    with pytest.raises(MalformedEventError, match=r"ce_time"):
        parse_headers(_kafka_headers() | {"ce_time": "yesterday"}, DOSSIER_INTAKE)


def test_body_round_trips() -> None:
    event = _submitted()

    assert parse_body(event.model_dump_json().encode(), DossierSubmitted) == event


def test_body_that_is_not_json_is_malformed() -> None:
    with pytest.raises(MalformedEventError, match=r"^bad DossierSubmitted body: .*Invalid JSON"):
        parse_body(b"not json {", DossierSubmitted)


def test_body_with_missing_field_names_the_field() -> None:
    encoded = _submitted().model_dump_json(exclude={"commune_code"}).encode()

    with pytest.raises(MalformedEventError, match=r"bad DossierSubmitted body: commune_code: Field required"):
        parse_body(encoded, DossierSubmitted)


def test_body_with_unknown_field_is_malformed() -> None:
    body = _submitted().model_dump_json()[:-1] + ', "fee": 1}'

    with pytest.raises(MalformedEventError, match=r"fee: Extra inputs are not permitted"):
        parse_body(body.encode(), DossierSubmitted)


def test_body_with_wrong_nested_field_names_its_path() -> None:
    body = _submitted().model_dump_json().replace("040123456789", "123")

    with pytest.raises(MalformedEventError, match=r"applicant\.citizen_id"):
        parse_body(body.encode(), DossierSubmitted)


def test_body_of_another_event_is_malformed() -> None:
    with pytest.raises(MalformedEventError, match=r"^bad TaskCompleted body"):
        parse_body(_submitted().model_dump_json().encode(), TaskCompleted)


def test_headers_model_is_frozen() -> None:
    headers: CloudEventHeaders = headers_for(_submitted(), source="intake")

    with pytest.raises(ValueError, match="frozen"):
        headers.source = "other"  # type: ignore[misc]
