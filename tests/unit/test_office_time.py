"""Working time: office hours on working days (services.department.deadlines.office_time)."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from services.department.deadlines.office_time import OfficeTime
from shared.reference.calendar import default_calendar

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
HOUR = 3600.0


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HCM)


@pytest.fixture(scope="module")
def office() -> OfficeTime:
    return OfficeTime(default_calendar())


def test_a_working_day_holds_nine_office_hours(office: OfficeTime) -> None:
    assert office.seconds_between(at(11, 23, 0), at(11, 23, 23, 59)) == 9 * HOUR


def test_nights_and_weekends_do_not_count(office: OfficeTime) -> None:
    # Friday 20 November 2026 10:00 to Monday 23 November 17:00: 7 + 9 hours.
    assert office.seconds_between(at(11, 20, 10), at(11, 23, 17)) == 16 * HOUR


def test_culture_day_does_not_count(office: OfficeTime) -> None:
    # Tuesday 24 November 2026 is Vietnam Culture Day, a holiday from 2026.
    assert office.seconds_between(at(11, 23, 17), at(11, 25, 17)) == 9 * HOUR


def test_tet_does_not_count(office: OfficeTime) -> None:
    # Tết 2026: Saturday 14 to Sunday 22 February off.
    assert office.seconds_between(at(2, 13, 17), at(2, 23, 9)) == 1 * HOUR


def test_an_empty_or_reversed_span_holds_no_time(office: OfficeTime) -> None:
    assert office.seconds_between(at(11, 23, 12), at(11, 23, 12)) == 0
    assert office.seconds_between(at(11, 23, 12), at(11, 23, 9)) == 0


def test_instants_in_other_zones_are_converted(office: OfficeTime) -> None:
    start = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 08:00 in Hồ Chí Minh City
    assert office.seconds_between(start, at(11, 23, 10)) == 2 * HOUR


def test_counting_back_stays_inside_office_hours(office: OfficeTime) -> None:
    assert office.back_from(at(11, 23, 17), 4 * HOUR) == at(11, 23, 13)
    assert office.back_from(at(11, 23, 17), 12 * HOUR) == at(11, 20, 14)


def test_counting_back_to_an_opening_hour_gives_the_previous_closing_time(office: OfficeTime) -> None:
    # Nine hours before Monday 17:00 are all of Monday: the share is used from Friday's close.
    assert office.back_from(at(11, 23, 17), 9 * HOUR) == at(11, 20, 17)


def test_counting_back_nothing_from_after_hours_gives_the_last_office_instant(office: OfficeTime) -> None:
    assert office.back_from(at(11, 23, 17), 0) == at(11, 23, 17)
    assert office.back_from(at(11, 22, 20), 0) == at(11, 20, 17)  # Sunday evening → Friday's close


def test_counting_back_undoes_counting_forward(office: OfficeTime) -> None:
    start, end = at(2, 12, 9, 30), at(2, 25, 11, 15)
    assert office.back_from(end, office.seconds_between(start, end)) == start


def test_naive_instants_are_refused(office: OfficeTime) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        office.seconds_between(datetime(2026, 11, 23, 9), at(11, 23, 10))


def test_office_hours_must_open_before_they_close() -> None:
    with pytest.raises(ValueError, match="open before"):
        OfficeTime(default_calendar(), opens=time(17), closes=time(8))
