"""Delivery rules of the notification service: who is reached where, and what follows each try."""

from datetime import UTC, datetime
from uuid import uuid4

from services.notification.domain.delivery import (
    DeadLettered,
    Delivered,
    Finished,
    RetryLater,
    SendFailed,
    next_step,
)
from services.notification.domain.portal_record import portal_record
from services.notification.domain.recipients import Recipient, fallback_of, masked, recipients_of
from shared.contracts import Applicant, Channel, DossierStatus, DossierStatusChanged
from shared.kernel.retry import RetryPolicy

ALL = frozenset(Channel)
POLICY = RetryPolicy(base_seconds=2.0, cap_seconds=60.0, attempts=4)


def _applicant(**fields: object) -> Applicant:
    return Applicant.model_validate({"citizen_id": "040301000123", "full_name": "Hồ Thị Lan", **fields})


def test_every_channel_with_a_contact_is_used_when_none_is_chosen() -> None:
    applicant = _applicant(phone="0912345678", email="lan@example.vn", zalo_user_id="8812")

    assert recipients_of(applicant, ALL) == [
        Recipient(Channel.SMS, "0912345678"),
        Recipient(Channel.EMAIL, "lan@example.vn"),
        Recipient(Channel.ZALO, "8812"),
    ]


def test_only_the_chosen_channels_are_used_in_the_order_chosen() -> None:
    applicant = _applicant(phone="0912345678", email="lan@example.vn", zalo_user_id="8812", channels=["zalo", "sms"])

    assert [r.channel for r in recipients_of(applicant, ALL)] == [Channel.ZALO, Channel.SMS]


def test_a_chosen_channel_that_is_not_configured_falls_back_to_one_that_is() -> None:
    applicant = _applicant(phone="0912345678", email="lan@example.vn", channels=["sms"])

    assert recipients_of(applicant, frozenset({Channel.EMAIL})) == [Recipient(Channel.EMAIL, "lan@example.vn")]


def test_an_applicant_without_any_usable_contact_is_reached_nowhere() -> None:
    assert recipients_of(_applicant(), ALL) == []
    assert recipients_of(_applicant(zalo_user_id="8812"), frozenset({Channel.SMS})) == []


def test_a_failed_sms_falls_back_to_email_only_when_there_is_an_address() -> None:
    with_email = _applicant(phone="0912345678", email="lan@example.vn")

    assert fallback_of(with_email, Channel.SMS, ALL) == Recipient(Channel.EMAIL, "lan@example.vn")
    assert fallback_of(_applicant(phone="0912345678"), Channel.SMS, ALL) is None
    assert fallback_of(with_email, Channel.SMS, frozenset({Channel.SMS})) is None
    assert fallback_of(with_email, Channel.EMAIL, ALL) is None


def test_contacts_are_shown_masked() -> None:
    assert masked("sms", "0912345678") == "091***678"
    assert masked("email", "lan@example.vn") == "l***@example.vn"
    assert masked("zalo", "12") == "***"


def test_a_delivered_try_finishes_the_delivery() -> None:
    assert next_step(POLICY, Delivered("m-1"), 1) == Finished("m-1")


def test_a_failure_for_now_is_tried_again_later_until_the_attempts_run_out() -> None:
    failed = SendFailed("HTTP 503", permanent=False)

    assert isinstance(next_step(POLICY, failed, 1), RetryLater)
    assert isinstance(next_step(POLICY, failed, 3), RetryLater)
    assert next_step(POLICY, failed, 4) == DeadLettered("gave up after 4 attempts: HTTP 503")


def test_a_refusal_of_the_message_itself_is_dead_lettered_at_once() -> None:
    assert next_step(POLICY, SendFailed("HTTP 400: invalid phone", permanent=True), 1) == DeadLettered(
        "refused by the provider: HTTP 400: invalid phone"
    )


def test_the_portal_record_has_the_fields_the_portal_expects() -> None:
    event_id = uuid4()
    event = DossierStatusChanged(
        dossier_id=uuid4(),
        dossier_code="000.01.15.H40-261122-0003",
        status=DossierStatus.DONE,
        previous_status=DossierStatus.PROCESSING,
        procedure_code="1.001193",
        applicant=_applicant(),
        received_at=datetime(2026, 11, 22, 1, 0, tzinfo=UTC),
        due_at=datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
        handling_unit="17179.VP",
        changed_at=datetime(2026, 11, 25, 2, 30, tzinfo=UTC),
        portal_dossier_id="G22.99-261122-000123",
    )

    assert portal_record(event, event_id) == {
        "sync_id": str(event_id),
        "dossier_code": "000.01.15.H40-261122-0003",
        "portal_dossier_id": "G22.99-261122-000123",
        "procedure_code": "1.001193",
        "applicant_id": "040301000123",
        "applicant_name": "Hồ Thị Lan",
        "received_date": "2026-11-22T01:00:00+00:00",
        "due_date": "2026-11-27T10:00:00+00:00",
        "status_code": 10,
        "status": "done",
        "handling_unit": "17179.VP",
        "result_date": "2026-11-25T02:30:00+00:00",
        "changed_at": "2026-11-25T02:30:00+00:00",
    }


def test_an_open_dossier_has_no_result_date_on_the_portal() -> None:
    event = DossierStatusChanged(
        dossier_id=uuid4(),
        dossier_code="X",
        status=DossierStatus.PROCESSING,
        previous_status=None,
        procedure_code="1.001193",
        applicant=_applicant(),
        received_at=datetime(2026, 11, 22, 1, 0, tzinfo=UTC),
        due_at=datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
        changed_at=datetime(2026, 11, 22, 1, 0, tzinfo=UTC),
    )

    record = portal_record(event, uuid4())
    assert record["result_date"] is None
    assert record["status_code"] == 4
