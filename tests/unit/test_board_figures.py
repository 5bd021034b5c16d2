"""Early, on-time and late completions on the public board (services.department.stats.figures)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.department.stats.figures import Period, PeriodError, Tally, Timeliness, tally_by, timeliness

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
DUE = datetime(2026, 11, 25, 17, 0, tzinfo=HCM)


def classify(finished: datetime, *, extended: bool = False) -> Timeliness:
    return timeliness(DUE, finished, extended=extended, zone=HCM)


@pytest.mark.parametrize(
    ("finished", "expected"),
    [
        (datetime(2026, 11, 23, 9, 0, tzinfo=HCM), Timeliness.EARLY),
        (datetime(2026, 11, 24, 23, 59, tzinfo=HCM), Timeliness.EARLY),
        (datetime(2026, 11, 25, 0, 0, tzinfo=HCM), Timeliness.ON_TIME),
        (datetime(2026, 11, 25, 16, 59, tzinfo=HCM), Timeliness.ON_TIME),
        (DUE, Timeliness.ON_TIME),
        (DUE + timedelta(seconds=1), Timeliness.LATE),
        (datetime(2026, 11, 27, 9, 0, tzinfo=HCM), Timeliness.LATE),
    ],
)
def test_a_completion_is_early_before_the_due_day_on_time_on_it_and_late_after_the_due_time(
    finished: datetime, expected: Timeliness
) -> None:
    assert classify(finished) is expected


def test_days_are_the_offices_local_days() -> None:
    # 18:00 UTC on 24 November is 01:00 on 25 November in Hồ Chí Minh City: the due day.
    assert classify(datetime(2026, 11, 24, 18, 0, tzinfo=UTC)) is Timeliness.ON_TIME
    assert classify(datetime(2026, 11, 24, 16, 59, tzinfo=UTC)) is Timeliness.EARLY


def test_a_task_extended_with_an_apology_is_late_whenever_it_finished() -> None:
    assert classify(datetime(2026, 11, 23, 9, 0, tzinfo=HCM), extended=True) is Timeliness.LATE


def test_the_on_time_rate_counts_early_and_on_time_completions() -> None:
    tally = Tally(early=5, on_time=2, late=1)
    assert tally.completed == 8
    assert tally.on_time_rate == pytest.approx(7 / 8)


def test_the_rate_is_undefined_without_completions() -> None:
    assert Tally().completed == 0
    assert Tally().on_time_rate is None


def test_an_all_late_unit_has_a_zero_rate() -> None:
    assert Tally(late=3).on_time_rate == 0


def test_tallies_count_by_kind_and_by_procedure() -> None:
    items = [
        ("1.013978", Timeliness.LATE),
        ("1.001193", Timeliness.EARLY),
        ("1.001193", Timeliness.ON_TIME),
        ("1.001193", Timeliness.EARLY),
    ]
    assert Tally.of(kind for _, kind in items) == Tally(early=2, on_time=1, late=1)
    assert tally_by(items) == {"1.001193": Tally(early=2, on_time=1), "1.013978": Tally(late=1)}


@pytest.mark.parametrize(
    ("today", "first", "last"),
    [
        (date(2026, 11, 22), date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 2, 14), date(2026, 2, 1), date(2026, 2, 28)),
        (date(2028, 2, 29), date(2028, 2, 1), date(2028, 2, 29)),
        (date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
def test_the_default_period_is_the_current_month(today: date, first: date, last: date) -> None:
    assert Period.asked(None, None, today=today) == Period(first, last)


def test_a_period_from_a_day_runs_to_the_end_of_the_current_month() -> None:
    assert Period.asked(date(2026, 1, 1), None, today=date(2026, 11, 22)) == Period(
        date(2026, 1, 1), date(2026, 11, 30)
    )


def test_a_period_to_a_day_starts_on_the_first_of_its_month() -> None:
    assert Period.asked(None, date(2026, 10, 15), today=date(2026, 11, 22)) == Period(
        date(2026, 10, 1), date(2026, 10, 15)
    )


def test_a_period_must_not_end_before_it_starts_or_run_over_a_year() -> None:
    with pytest.raises(PeriodError, match="before it starts"):
        Period(date(2026, 11, 2), date(2026, 11, 1))
    with pytest.raises(PeriodError, match="366"):
        Period(date(2025, 1, 1), date(2026, 1, 2))  # 367 days
    assert Period(date(2024, 1, 1), date(2024, 12, 31)).last == date(2024, 12, 31)  # a leap year fits


@pytest.mark.parametrize(("first", "last"), [(date(1, 1, 1), date(1, 1, 2)), (date(9999, 12, 30), date(9999, 12, 31))])
def test_a_period_lies_within_the_calendars_years(first: date, last: date) -> None:
    with pytest.raises(PeriodError, match="2000-2099"):
        Period(first, last)


def test_a_period_covers_its_local_days_whole() -> None:
    start, end = Period(date(2026, 11, 1), date(2026, 11, 30)).bounds(HCM)
    assert start == datetime(2026, 11, 1, tzinfo=HCM)
    assert end == datetime(2026, 12, 1, tzinfo=HCM)
    assert start.astimezone(UTC) == datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
