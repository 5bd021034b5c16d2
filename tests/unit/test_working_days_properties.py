"""Properties of working-day arithmetic and deadlines (shared.reference.calendar), checked with hypothesis."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.reference.calendar import (
    WorkingCalendar,
    default_calendar,
    due_at,
    effective_receipt_day,
    paused_working_days_between,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = default_calendar()
FAST = settings(max_examples=150, deadline=None)

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))
counts = st.integers(min_value=0, max_value=60)
instants = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2030, 12, 31, 23, 59, 59),
    timezones=st.sampled_from([HCM, UTC]),
)
gaps = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20))
cutoffs = st.none() | st.just(time(15, 0)) | st.times(min_value=time(8, 0), max_value=time(17, 0))


@FAST
@given(received_at=instants, n=counts, cutoff=cutoffs, paused=st.integers(min_value=0, max_value=10))
def test_due_date_is_always_a_working_day_at_the_end_of_the_office_day(
    received_at: datetime, n: int, cutoff: time | None, paused: int
) -> None:
    due = due_at(CAL, received_at, n, cutoff=cutoff, paused_working_days=paused)

    assert CAL.is_working_day(due.date())
    assert due.timetz() == time(17, 0, tzinfo=HCM)
    assert due.date() >= received_at.astimezone(HCM).date()


@FAST
@given(received_at=instants, cutoff=cutoffs)
def test_effective_receipt_day_is_the_receipt_day_or_the_next_working_day(
    received_at: datetime, cutoff: time | None
) -> None:
    local_day = received_at.astimezone(HCM).date()
    effective = effective_receipt_day(CAL, received_at, cutoff)

    assert CAL.is_working_day(effective)
    assert effective in (local_day, CAL.next_working_day(local_day))


@FAST
@given(start=days, a=counts, b=counts)
def test_adding_a_then_b_working_days_is_adding_a_plus_b(start: date, a: int, b: int) -> None:
    assert CAL.add_working_days(CAL.add_working_days(start, a), b) == CAL.add_working_days(start, a + b)


@FAST
@given(first=instants, gap=gaps, n=counts, cutoff=cutoffs)
def test_a_later_receipt_never_gives_an_earlier_due_date(
    first: datetime, gap: timedelta, n: int, cutoff: time | None
) -> None:
    assert due_at(CAL, first, n, cutoff=cutoff) <= due_at(CAL, first + gap, n, cutoff=cutoff)


@FAST
@given(received_at=instants, n=counts, k=st.integers(min_value=0, max_value=30), cutoff=cutoffs)
def test_a_pause_of_k_working_days_moves_the_due_date_k_working_days(
    received_at: datetime, n: int, k: int, cutoff: time | None
) -> None:
    unpaused = due_at(CAL, received_at, n, cutoff=cutoff)
    paused = due_at(CAL, received_at, n, cutoff=cutoff, paused_working_days=k)

    assert paused.date() == CAL.add_working_days(unpaused.date(), k)
    assert CAL.working_days_between(unpaused.date(), paused.date()) == k
    assert paused.timetz() == unpaused.timetz()


@FAST
@given(start=days, n=counts)
def test_working_days_between_undoes_add_working_days(start: date, n: int) -> None:
    assert CAL.working_days_between(start, CAL.add_working_days(start, n)) == n


@FAST
@given(a=days, b=days, c=days)
def test_working_days_between_adds_up_and_changes_sign(a: date, b: date, c: date) -> None:
    assert CAL.working_days_between(a, b) + CAL.working_days_between(b, c) == CAL.working_days_between(a, c)
    assert CAL.working_days_between(a, b) == -CAL.working_days_between(b, a)


@FAST
@given(day=days)
def test_next_working_day_is_the_first_working_day_strictly_after(day: date) -> None:
    following = CAL.next_working_day(day)

    assert following > day
    assert CAL.is_working_day(following)
    assert not any(CAL.is_working_day(day + timedelta(i)) for i in range(1, (following - day).days))


@FAST
@given(paused_at=instants, pause=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)))
def test_a_pause_counts_the_working_days_from_pause_day_to_resume_day(paused_at: datetime, pause: timedelta) -> None:
    resumed_at = paused_at + pause
    counted = paused_working_days_between(CAL, paused_at, resumed_at)

    assert counted == CAL.working_days_between(paused_at.astimezone(HCM).date(), resumed_at.astimezone(HCM).date())
    assert 0 <= counted <= pause.days + 1


# An independent, day-by-day oracle on arbitrary calendars, not only Vietnam's.

year_2026 = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))


@st.composite
def calendars(draw: st.DrawFn) -> WorkingCalendar:
    days_off = draw(st.frozensets(year_2026, max_size=80))
    saturdays_and_sundays = draw(st.frozensets(year_2026.filter(lambda d: d.weekday() >= 5), max_size=20))
    return WorkingCalendar(2026, 2026, days_off, saturdays_and_sundays - days_off)


@settings(max_examples=40, deadline=None)
@given(calendar=calendars(), start=year_2026, n=st.integers(min_value=0, max_value=20))
def test_arithmetic_agrees_with_counting_day_by_day(calendar: WorkingCalendar, start: date, n: int) -> None:
    def working(day: date) -> bool:
        if day in calendar.weekend_working_days:
            return True
        return day.weekday() < 5 and day not in calendar.days_off

    all_days = [date(2026, 1, 1) + timedelta(i) for i in range(365)]
    assert [calendar.is_working_day(d) for d in all_days] == [working(d) for d in all_days]

    later = [d for d in all_days if d > start and working(d)]
    if n == 0:
        assert calendar.add_working_days(start, 0) == start
    elif n <= len(later):
        assert calendar.add_working_days(start, n) == later[n - 1]
    assert calendar.working_days_between(date(2026, 1, 1), start) == sum(
        1 for d in all_days if date(2026, 1, 1) < d <= start and working(d)
    )
