"""What the applicant is told about a status change, rendered for each channel in Vietnamese and English."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from services.notification.domain.messages import STATUS_LABELS, facts_of, worth_telling
from services.notification.rendering import render
from shared.contracts import Applicant, Channel, DossierStatus, DossierStatusChanged

CODE = "000.01.15.H40-261122-0003"
NAMES = {"vi": "Đăng ký khai sinh", "en": "Birth registration"}
DUE = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # 17:00 in Hà Nội
CHANGED = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)  # 09:30 in Hà Nội


def _event(
    status: DossierStatus = DossierStatus.PROCESSING,
    *,
    language: str = "vi",
    reason: str | None = None,
    missing: tuple[str, ...] = (),
) -> DossierStatusChanged:
    return DossierStatusChanged(
        dossier_id=uuid4(),
        dossier_code=CODE,
        status=status,
        previous_status=DossierStatus.RECEIVING,
        procedure_code="1.001193",
        applicant=Applicant.model_validate(
            {"citizen_id": "040301000123", "full_name": "Hồ Thị Lan", "phone": "0912345678", "language": language}
        ),
        received_at=datetime(2026, 11, 22, 1, 0, tzinfo=UTC),
        due_at=DUE,
        reason=reason,
        missing=missing,
        changed_at=CHANGED,
    )


def _text(channel: Channel, event: DossierStatusChanged) -> str:
    return render(channel, facts_of(event, procedure_names=NAMES)).text


def test_sms_in_vietnamese_names_dossier_procedure_status_and_return_date() -> None:
    assert _text(Channel.SMS, _event()) == (
        f"Hồ sơ {CODE} (Đăng ký khai sinh): đang xử lý. Hẹn trả kết quả: 17:00 ngày 27/11/2026."
    )


def test_sms_in_english_when_the_applicant_chose_english() -> None:
    assert _text(Channel.SMS, _event(language="en")) == (
        f"Dossier {CODE} (Birth registration): being processed. Result due: 17:00, 27/11/2026."
    )


def test_email_has_a_subject_a_greeting_and_the_same_facts() -> None:
    rendered = render(Channel.EMAIL, facts_of(_event(), procedure_names=NAMES))

    assert rendered.subject == f"Hồ sơ {CODE}: đang xử lý"
    assert rendered.text.startswith("Kính gửi ông/bà Hồ Thị Lan,\n")
    assert "thủ tục Đăng ký khai sinh (mã 1.001193), đang xử lý." in rendered.text
    assert "Hẹn trả kết quả: 17:00 ngày 27/11/2026." in rendered.text


def test_zalo_message_names_the_centre() -> None:
    text = _text(Channel.ZALO, _event())

    assert text.startswith("Trung tâm Phục vụ hành chính công thông báo: hồ sơ " + CODE)
    assert "Hẹn trả kết quả: 17:00 ngày 27/11/2026." in text


@pytest.mark.parametrize("channel", list(Channel))
def test_waiting_lists_everything_to_hand_in(channel: Channel) -> None:
    text = _text(channel, _event(DossierStatus.WAITING, missing=("Sơ đồ thửa đất", "Bản sao CCCD")))

    assert "Sơ đồ thửa đất" in text
    assert "Bản sao CCCD" in text
    assert "bổ sung" in text


@pytest.mark.parametrize("channel", list(Channel))
def test_a_final_dossier_gives_its_result_date_and_no_return_date(channel: Channel) -> None:
    text = _text(channel, _event(DossierStatus.DENIED, reason="Thiếu giấy chứng sinh."))

    assert "Hẹn trả" not in text
    assert "Ngày có kết quả: 09:30 ngày 25/11/2026." in text
    assert "Lý do: Thiếu giấy chứng sinh" in text
    assert ".." not in text


def test_missing_items_are_told_only_while_waiting() -> None:
    assert "bổ sung" not in _text(Channel.SMS, _event(DossierStatus.PROCESSING, missing=("Sơ đồ thửa đất",)))


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("status", list(DossierStatus))
def test_every_status_has_a_wording_in_both_languages(language: str, status: DossierStatus) -> None:
    text = _text(Channel.SMS, _event(status, language=language))

    assert STATUS_LABELS[language][status] in text
    assert CODE in text


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_status_has_a_distinct_wording(language: str) -> None:
    labels = STATUS_LABELS[language]
    assert set(labels) == set(DossierStatus)
    assert len(set(labels.values())) == len(DossierStatus)


def test_an_unknown_procedure_is_named_by_its_code() -> None:
    facts = facts_of(_event(), procedure_names={})
    assert render(Channel.SMS, facts).text.startswith(f"Hồ sơ {CODE} (1.001193):")


def _extended(language: str = "vi") -> DossierStatusChanged:
    return _event(DossierStatus.PROCESSING, language=language, reason="Cần xác minh nguồn gốc đất").model_copy(
        update={"previous_status": DossierStatus.PROCESSING}
    )


def test_an_apology_letter_says_sorry_and_gives_the_new_return_date() -> None:
    assert _text(Channel.SMS, _extended()) == (
        f"Hồ sơ {CODE} (Đăng ký khai sinh): xin lỗi ông/bà, chưa trả được kết quả đúng hẹn."
        " Lý do: Cần xác minh nguồn gốc đất. Hẹn lại ngày trả kết quả: 17:00 ngày 27/11/2026."
    )
    email = render(Channel.EMAIL, facts_of(_extended(), procedure_names=NAMES))
    assert email.subject == f"Hồ sơ {CODE}: hẹn lại ngày trả kết quả"
    assert "Chúng tôi xin lỗi ông/bà vì sự chậm trễ này." in email.text
    assert "Hẹn lại ngày trả kết quả: 17:00 ngày 27/11/2026." in _text(Channel.ZALO, _extended())
    assert _text(Channel.SMS, _extended("en")).endswith(
        "Reason: Cần xác minh nguồn gốc đất. New result date: 17:00, 27/11/2026."
    )


def test_a_new_status_or_news_within_one_is_told_but_a_hand_over_between_units_is_not() -> None:
    hand_over = _event(DossierStatus.PROCESSING).model_copy(
        update={"previous_status": DossierStatus.PROCESSING, "handling_unit": "40.SNNMT"}
    )

    assert worth_telling(_event(DossierStatus.PROCESSING))
    assert worth_telling(_extended())
    assert worth_telling(_event(DossierStatus.WAITING, missing=("Sơ đồ thửa đất",)))
    assert not worth_telling(hand_over)
