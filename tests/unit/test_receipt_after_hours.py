"""A dossier received when the office is closed counts from the next working day, cut-off or not."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from shared.reference.calendar import default_calendar, due_at, effective_receipt_day

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = default_calendar()
FRIDAY = date(2026, 11, 20)
NEXT_MONDAY = date(2026, 11, 23)


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=HCM)


@pytest.mark.parametrize(
    ("received_at", "expected"),
    [
        (at(FRIDAY, 7, 30), FRIDAY),  # before opening: counted from the day the office opens
        (at(FRIDAY, 16, 59), FRIDAY),
        (at(FRIDAY, 17, 0, 0), FRIDAY),  # at closing time exactly it still counts
        (at(FRIDAY, 17, 0, 1), NEXT_MONDAY),
        (at(FRIDAY, 22, 15), NEXT_MONDAY),
    ],
)
def test_a_procedure_without_a_cutoff_counts_a_receipt_after_office_hours_from_the_next_working_day(
    received_at: datetime, expected: date
) -> None:
    assert effective_receipt_day(CAL, received_at) == expected


def test_a_cutoff_earlier_than_closing_time_still_decides() -> None:
    assert effective_receipt_day(CAL, at(FRIDAY, 15, 30), time(15, 0)) == NEXT_MONDAY
    assert effective_receipt_day(CAL, at(FRIDAY, 15, 0), time(15, 0)) == FRIDAY


def test_a_same_day_procedure_received_in_the_evening_is_due_the_next_working_day_not_before_its_receipt() -> None:
    received = at(FRIDAY, 20, 0)

    due = due_at(CAL, received, 0)

    assert due == at(NEXT_MONDAY, 17)
    assert due > received


def test_a_three_day_procedure_received_after_hours_is_due_three_working_days_after_the_next_one() -> None:
    # Monday 23 Nov 2026 is the receipt day; 24 Nov (Culture Day) does not count: 25, 26, 27.
    assert due_at(CAL, at(FRIDAY, 18, 0), 3) == at(date(2026, 11, 27), 17)
    assert due_at(CAL, at(FRIDAY, 16, 0), 3) == at(date(2026, 11, 26), 17)


def test_the_office_day_can_end_at_another_hour() -> None:
    assert effective_receipt_day(CAL, at(FRIDAY, 16, 45), end_of_day=time(16, 30)) == NEXT_MONDAY
