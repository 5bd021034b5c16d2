"""The draft apology letter (Form 04): when a task has one, the new date it proposes, what the letter leaves open."""

from datetime import UTC, date, datetime, timedelta

import pytest

from services.department.domain import apology
from services.department.domain.access import Action, Clerk
from shared.reference.calendar import default_calendar

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def test_an_open_task_past_due_and_never_extended_has_a_draft() -> None:
    due = NOW - timedelta(hours=1)
    assert apology.check_draftable("open", due, NOW, extended=False) == due


@pytest.mark.parametrize(
    ("status", "due_at", "extended", "field"),
    [
        ("open", NOW + timedelta(minutes=1), False, "due_at"),
        ("open", None, False, "due_at"),
        ("waiting", NOW - timedelta(days=2), False, "status"),
        ("approved", NOW - timedelta(days=2), False, "status"),
        ("open", NOW - timedelta(days=2), True, "extension"),
    ],
)
def test_no_draft_for_a_task_not_late_or_extended_already(
    status: str, due_at: datetime | None, extended: bool, field: str
) -> None:
    with pytest.raises(apology.NotDraftableError) as raised:
        apology.check_draftable(status, due_at, NOW, extended=extended)
    assert raised.value.field == field


def test_the_new_date_gives_the_allowance_again_in_working_days_from_today() -> None:
    calendar = default_calendar()
    # Mon 16 Nov to Mon 23 Nov 2026: 5 working days; from Wed 25 Nov, 5 working days is Wed 2 Dec.
    proposed = apology.proposed_new_date(
        calendar, assigned=date(2026, 11, 16), due=date(2026, 11, 23), today=date(2026, 11, 25)
    )
    assert proposed == date(2026, 12, 2)
    assert calendar.is_working_day(proposed)


def test_a_same_day_task_gets_at_least_one_working_day_and_skips_the_weekend() -> None:
    calendar = default_calendar()
    friday = date(2026, 11, 27)
    assert apology.proposed_new_date(calendar, assigned=friday, due=friday, today=friday) == date(2026, 11, 30)


def test_the_letter_leaves_the_reason_and_the_applicant_to_the_clerk() -> None:
    facts = apology.LetterFacts(
        unit_name="Phòng Kinh tế xã Quỳnh Lưu",
        dossier_code="000.01.15.H40-261116-0001",
        procedure_name="Đăng ký đất đai",
        received_on=date(2026, 11, 16),
        due_on=date(2026, 11, 23),
        new_due_on=date(2026, 12, 2),
        today=date(2026, 11, 25),
    )
    text = apology.letter(facts)
    assert text.startswith("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ")
    assert apology.REASON_TO_COMPLETE in text
    assert apology.APPLICANT_TO_COMPLETE in text
    assert "23/11/2026" in text
    assert "02/12/2026" in text


def test_supervisors_read_overdue_lists_and_handlers_or_supervisors_draft_apologies() -> None:
    unit = "17179.KT"
    supervisor = Clerk.of("s", {unit: ["supervisor"]})
    handler = Clerk.of("h", {unit: ["handler"]})
    approver = Clerk.of("a", {unit: ["approver", "receiver"]})
    assert supervisor.may(unit, Action.READ_OVERDUE)
    assert not handler.may(unit, Action.READ_OVERDUE)
    assert handler.may(unit, Action.DRAFT_APOLOGY)
    assert supervisor.may(unit, Action.DRAFT_APOLOGY)
    assert not approver.may(unit, Action.DRAFT_APOLOGY)
