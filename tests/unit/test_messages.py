"""What the applicant is told about a status change (services.notification.domain.messages)."""

from datetime import UTC, datetime
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from services.notification.domain.messages import STATUS_VI, message_for
from shared.contracts import Applicant, DossierStatus, DossierStatusChanged

CODE = "000.01.15.H40-250814-0001"


def _event(
    status: DossierStatus = DossierStatus.DONE,
    *,
    reason: str | None = None,
    phone: str | None = "0912345678",
    email: str | None = "an@example.vn",
) -> DossierStatusChanged:
    return DossierStatusChanged(
        dossier_id=uuid4(),
        dossier_code=CODE,
        status=status,
        previous_status=DossierStatus.PROCESSING,
        procedure_code="1.001193",
        applicant=Applicant(citizen_id="040123456789", full_name="Nguyễn Văn An", phone=phone, email=email),
        received_at=datetime(2025, 8, 14, 8, 0, tzinfo=UTC),
        due_at=datetime(2025, 8, 14, 8, 0, tzinfo=UTC),
        handling_unit="17179.VP",
        reason=reason,
        changed_at=datetime(2025, 8, 15, 9, 0, tzinfo=UTC),
    )


def test_done_message_names_dossier_procedure_and_status_in_vietnamese() -> None:
    message = message_for(_event(DossierStatus.DONE))

    assert message.text == f"Hồ sơ {CODE} (thủ tục 1.001193): đã hoàn thành."
    assert message.channel == "ledger"


def test_denial_message_gives_the_reason() -> None:
    message = message_for(_event(DossierStatus.DENIED, reason="Thiếu giấy chứng sinh"))

    assert message.text == f"Hồ sơ {CODE} (thủ tục 1.001193): bị từ chối. Lý do: Thiếu giấy chứng sinh"


def test_message_without_reason_has_no_reason_part() -> None:
    assert "Lý do" not in message_for(_event(DossierStatus.DONE, reason=None)).text


def test_empty_reason_is_left_out() -> None:
    assert "Lý do" not in message_for(_event(DossierStatus.DENIED, reason="")).text


@pytest.mark.parametrize("status", list(DossierStatus))
def test_every_status_has_vietnamese_wording_in_the_message(status: DossierStatus) -> None:
    text = message_for(_event(status)).text

    assert STATUS_VI[status] in text
    assert CODE in text
    assert "1.001193" in text


def test_every_status_has_a_distinct_wording() -> None:
    assert set(STATUS_VI) == set(DossierStatus)
    assert len(set(STATUS_VI.values())) == len(DossierStatus)


def test_processing_wording_keeps_its_diacritics() -> None:
    assert ": đang xử lý." in message_for(_event(DossierStatus.PROCESSING)).text


def test_an_open_dossier_tells_the_return_date_in_vietnam_time() -> None:
    event = _event(DossierStatus.PROCESSING)

    local = event.due_at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert message_for(event).text.endswith(f"Hẹn trả kết quả: {local:%H:%M %d/%m/%Y}.")


def test_a_final_dossier_has_no_return_date() -> None:
    assert "Hẹn trả" not in message_for(_event(DossierStatus.DONE)).text


def test_waiting_lists_what_to_hand_in() -> None:
    event = _event(DossierStatus.WAITING).model_copy(update={"missing": ("Sơ đồ thửa đất", "Bản sao CCCD")})

    assert "Cần bổ sung: Sơ đồ thửa đất; Bản sao CCCD." in message_for(event).text


def test_phone_is_preferred_as_recipient() -> None:
    assert message_for(_event(phone="0912345678", email="an@example.vn")).recipient == "0912345678"


def test_email_is_used_when_there_is_no_phone() -> None:
    assert message_for(_event(phone=None, email="an@example.vn")).recipient == "an@example.vn"


def test_name_is_used_when_there_is_neither_phone_nor_email() -> None:
    assert message_for(_event(phone=None, email=None)).recipient == "Nguyễn Văn An"
