"""What the applicant and the national portal are told along the one-stop journey: new, not accepted, paying,
result ready (by the way it is collected), returned, refused with a letter; and the portal's records in order."""

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.notification import handlers
from services.notification.domain.messages import collection_point, facts_of
from services.notification.domain.portal_record import portal_record
from services.notification.rendering import render
from services.notification.store import NotificationStore
from shared.contracts import (
    Applicant,
    Channel,
    DocumentRef,
    DocumentRole,
    DossierStatus,
    DossierStatusChanged,
    MediaType,
    PaymentDue,
    ResultDelivery,
)
from shared.kernel.unit_of_work import RecordingOutbox, UnitOfWork
from tests.support.fake_notification_store import FakeNotificationStore

CODE = "000.01.15.H40-261125-0007"
CENTRE = "000.01.15.H40"
"""The centre of Xã Quỳnh Lưu (Nghệ An)."""
NAMES = {"vi": "Đăng ký đất đai lần đầu", "en": "First land registration"}
TITLES = {"vi": "Giấy chứng nhận quyền sử dụng đất", "en": "Land-use certificate"}
CHANGED = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)  # 09:30 in Hà Nội
DUE = datetime(2026, 12, 18, 10, 0, tzinfo=UTC)
LETTER = DocumentRef(
    document_id=uuid4(),
    name="tu-choi.pdf",
    media_type=MediaType.PDF,
    size=2048,
    sha256="b" * 64,
    role=DocumentRole.REFUSAL,
)
RESULT = LETTER.model_copy(update={"name": "ket-qua.pdf", "role": DocumentRole.RESULT})


def _event(status: DossierStatus, *, language: str = "vi", **changes: Any) -> DossierStatusChanged:
    return DossierStatusChanged(
        dossier_id=uuid4(),
        dossier_code=CODE,
        status=status,
        previous_status=DossierStatus.PROCESSING,
        procedure_code="1.013978",
        applicant=Applicant(citizen_id="040301000123", full_name="Hồ Thị Lan", phone="0912345678", language=language),
        received_at=datetime(2026, 11, 20, 1, 0, tzinfo=UTC),
        due_at=DUE,
        changed_at=CHANGED,
        receiving_agency=CENTRE,
        **changes,
    )


def _text(event: DossierStatusChanged, channel: Channel = Channel.SMS) -> str:
    return render(channel, facts_of(event, procedure_names=NAMES, result_titles=TITLES)).text


def test_a_new_dossier_says_what_is_missing_and_how_to_complete_it() -> None:
    text = _text(_event(DossierStatus.NEW, missing=("Giấy chứng sinh", "Lệ phí 10.000 đồng")))

    assert "mới" in text
    assert "chưa được tiếp nhận" in text
    assert "Cần bổ sung: Giấy chứng sinh; Lệ phí 10.000 đồng." in text
    assert "kèm mã hồ sơ" in text
    assert "Hẹn trả" not in text  # no appointment before the dossier is complete


def test_a_dossier_not_accepted_gives_the_reason() -> None:
    text = _text(_event(DossierStatus.UNRESOLVED, reason="Hồ sơ không thuộc thẩm quyền tiếp nhận."), Channel.ZALO)

    assert "không được tiếp nhận" in text
    assert "Lý do: Hồ sơ không thuộc thẩm quyền tiếp nhận." in text
    assert "Hẹn trả" not in text


@pytest.mark.parametrize(
    ("language", "amount"), [("vi", "Số tiền phải nộp: 1.250.000 đồng (Tiền sử dụng đất)."), ("en", "1,250,000 VND")]
)
def test_a_financial_obligation_gives_the_amount_what_for_and_where_the_payment_link_is(
    language: str, amount: str
) -> None:
    payment = PaymentDue(amount_vnd=1_250_000, description="Tiền sử dụng đất.")

    text = _text(_event(DossierStatus.PAYING, language=language, payment=payment))

    assert amount in text
    assert ("trang tra cứu hồ sơ" if language == "vi" else "lookup page") in text
    assert ("Hẹn trả" if language == "vi" else "Result due") not in text


def test_a_result_to_collect_at_the_counter_names_the_receiving_centre_and_where_it_is() -> None:
    name, place = collection_point(CENTRE)

    text = _text(_event(DossierStatus.RELEASING, result=RESULT, result_delivery=ResultDelivery.COUNTER))

    assert (name, place) == ("Trung tâm Phục vụ hành chính công xã Quỳnh Lưu", "Xã Quỳnh Lưu, Nghệ An")
    assert "Đã có kết quả: Giấy chứng nhận quyền sử dụng đất." in text
    assert f"nhận kết quả tại {name} ({place})" in text


@pytest.mark.parametrize(
    ("way", "vi", "en"),
    [
        (ResultDelivery.POST, "gửi qua bưu điện", "sent by post"),
        (ResultDelivery.ONLINE, "mã tra cứu", "lookup secret"),
    ],
)
def test_a_result_sent_by_post_or_downloaded_says_so(way: ResultDelivery, vi: str, en: str) -> None:
    for language, said in (("vi", vi), ("en", en)):
        text = _text(_event(DossierStatus.RELEASING, language=language, result=RESULT, result_delivery=way))
        assert said in text
        assert "Trung tâm Phục vụ hành chính công xã" not in text


def test_a_returned_result_is_told_with_the_return_time() -> None:
    text = _text(_event(DossierStatus.DONE, result=RESULT, result_delivery=ResultDelivery.POST))

    assert "đã trả kết quả" in text
    assert "đã được trả cho ông/bà qua bưu điện" in text
    assert text.endswith("Ngày trả kết quả: 09:30 ngày 25/11/2026.")
    assert _text(_event(DossierStatus.DONE, language="en", result=RESULT)).endswith("Returned on: 09:30, 25/11/2026.")


def test_a_refusal_with_its_letter_says_where_to_read_it() -> None:
    text = _text(_event(DossierStatus.DENIED, reason="Đất đang có tranh chấp", result=LETTER), Channel.EMAIL)

    assert "Văn bản từ chối có chữ ký số" in text
    assert "Lý do: Đất đang có tranh chấp" in text
    assert "Văn bản từ chối" not in _text(_event(DossierStatus.DENIED, reason="Rút theo yêu cầu"))


def _journey(codes: list[DossierStatus]) -> list[DossierStatusChanged]:
    first = _event(DossierStatus.NEW, missing=("Giấy chứng sinh",))
    previous: DossierStatus | None = None
    changes = []
    for number, status in enumerate(codes, start=1):
        changes.append(first.model_copy(update={"status": status, "previous_status": previous, "sequence": number}))
        previous = status
    return changes


JOURNEY = [
    DossierStatus.NEW,
    DossierStatus.RECEIVING,
    DossierStatus.PROCESSING,
    DossierStatus.PAYING,
    DossierStatus.PROCESSING,
    DossierStatus.RELEASING,
    DossierStatus.DONE,
]


async def _portal_codes_sent(store: FakeNotificationStore) -> list[int]:
    """Send every due portal record as the delivery worker would, one try at a time; the codes in sending order."""
    sent: list[int] = []
    while due := [d for d in await store.claim_due(batch=10, lease_seconds=60) if d["channel"] == "portal"]:
        for delivery in due:
            sent.append(json.loads(delivery["record"])["status_code"])
            assert await store.delivered(delivery["id"], delivery["attempts"], None)
    return sent


async def _plan(store: FakeNotificationStore, event: DossierStatusChanged) -> None:
    uow: UnitOfWork[NotificationStore] = UnitOfWork(store, RecordingOutbox(), CHANGED, uuid4())
    await handlers.plan_deliveries(uow, event, senders=frozenset({"portal"}))


async def test_the_portal_receives_a_whole_journey_in_order() -> None:
    store = FakeNotificationStore(now=CHANGED)

    for change in _journey(JOURNEY):
        await _plan(store, change)

    assert await _portal_codes_sent(store) == [1, 2, 4, 6, 4, 9, 10]


async def test_a_change_arriving_after_a_newer_one_never_reaches_the_portal() -> None:
    store = FakeNotificationStore(now=CHANGED)
    new, receiving, processing, paying, resumed, releasing, done = _journey(JOURNEY)

    for change in (new, receiving, processing, resumed, paying, releasing, done):  # paying redelivered late
        await _plan(store, change)

    assert await _portal_codes_sent(store) == [1, 2, 4, 4, 9, 10]


def test_the_portal_result_date_is_the_return_not_the_issue() -> None:
    def record(status: DossierStatus) -> dict[str, Any]:
        return portal_record(_event(status, result=RESULT, result_delivery=ResultDelivery.COUNTER), UUID(int=1))

    assert record(DossierStatus.RELEASING)["status_code"] == 9
    assert record(DossierStatus.RELEASING)["result_date"] is None
    assert record(DossierStatus.DONE)["status_code"] == 10
    assert record(DossierStatus.DONE)["result_date"] == CHANGED.isoformat()
    assert record(DossierStatus.UNRESOLVED)["status_code"] == 3
    assert record(DossierStatus.UNRESOLVED)["result_date"] is None
