"""Working days and deadlines on Vietnam's calendar (shared.reference.calendar): table tests."""

import dataclasses
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shared.reference.calendar import (
    OVERRIDES_FILE,
    CalendarRangeError,
    DayOverride,
    OverrideFileError,
    WorkingCalendar,
    default_calendar,
    due_at,
    effective_receipt_day,
    load_overrides,
    load_vietnam_calendar,
    paused_working_days_between,
    vietnam_calendar,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CUTOFF = time(15, 0)
CAL = default_calendar()


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    """An instant in Hồ Chí Minh City local time."""
    return datetime(year, month, day, hour, minute, second, tzinfo=HCM)


def end_of(day: date) -> datetime:
    return datetime.combine(day, time(17, 0), tzinfo=HCM)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "overrides.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- which days are working days -------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # Tết 2026: holidays 16-20 Feb (Mon-Fri), weekends 14-15 and 21-22 Feb.
        (date(2026, 2, 13), True),
        (date(2026, 2, 14), False),
        (date(2026, 2, 15), False),
        (date(2026, 2, 16), False),
        (date(2026, 2, 17), False),
        (date(2026, 2, 18), False),
        (date(2026, 2, 19), False),
        (date(2026, 2, 20), False),
        (date(2026, 2, 21), False),
        (date(2026, 2, 22), False),
        (date(2026, 2, 23), True),
        # Hùng Kings 26 Apr 2026 (Sun) observed Mon 27 Apr; 30 Apr (Thu), 1 May (Fri).
        (date(2026, 4, 24), True),
        (date(2026, 4, 26), False),
        (date(2026, 4, 27), False),
        (date(2026, 4, 28), True),
        (date(2026, 4, 29), True),
        (date(2026, 4, 30), False),
        (date(2026, 5, 1), False),
        (date(2026, 5, 4), True),
        # National Day 2026: 1-2 Sep (Tue-Wed), Mon 31 Aug off, swapped with Sat 22 Aug worked.
        (date(2026, 8, 22), True),
        (date(2026, 8, 28), True),
        (date(2026, 8, 31), False),
        (date(2026, 9, 1), False),
        (date(2026, 9, 2), False),
        (date(2026, 9, 3), True),
        # Vietnam Culture Day, a holiday from 2026 only.
        (date(2025, 11, 24), True),
        (date(2026, 11, 24), False),
        (date(2026, 11, 25), True),
        # 1 January, ordinary weekend, ordinary weekday.
        (date(2026, 1, 1), False),
        (date(2026, 3, 7), False),
        (date(2026, 3, 8), False),
        (date(2026, 3, 9), True),
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


def test_tet_2026_runs_14_to_22_february() -> None:
    days_off = [d for d in (date(2026, 2, n) for n in range(10, 28)) if not CAL.is_working_day(d)]

    assert days_off == [date(2026, 2, n) for n in range(14, 23)]


def test_notes_say_why_a_day_is_special() -> None:
    assert CAL.note(date(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"
    assert CAL.note(date(2026, 8, 22)) is not None
    assert CAL.note(date(2026, 3, 9)) is None


# --- day arithmetic --------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 2, 13), 0, date(2026, 2, 13)),
        (date(2026, 2, 14), 0, date(2026, 2, 14)),  # n = 0 is the identity, working day or not
        (date(2026, 2, 13), 1, date(2026, 2, 23)),
        (date(2026, 2, 13), 2, date(2026, 2, 24)),
        (date(2026, 2, 15), 1, date(2026, 2, 23)),
        (date(2026, 4, 24), 1, date(2026, 4, 28)),
        (date(2026, 4, 29), 1, date(2026, 5, 4)),
        (date(2026, 4, 24), 3, date(2026, 5, 4)),
        (date(2026, 8, 21), 1, date(2026, 8, 22)),  # the swapped Saturday is worked
        (date(2026, 8, 28), 1, date(2026, 9, 3)),
        (date(2026, 11, 23), 1, date(2026, 11, 25)),
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert CAL.add_working_days(start, n) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 2, 13), date(2026, 2, 23)),
        (date(2026, 2, 23), date(2026, 2, 24)),
        (date(2026, 4, 29), date(2026, 5, 4)),
        (date(2026, 12, 31), date(2027, 1, 4)),  # 1 Jan 2027 (Fri) off, then a weekend
    ],
)
def test_next_working_day_is_strictly_after(day: date, expected: date) -> None:
    assert CAL.next_working_day(day) == expected


def test_working_day_on_or_after() -> None:
    assert CAL.working_day_on_or_after(date(2026, 2, 13)) == date(2026, 2, 13)
    assert CAL.working_day_on_or_after(date(2026, 2, 14)) == date(2026, 2, 23)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (date(2026, 2, 13), date(2026, 2, 13), 0),
        (date(2026, 2, 13), date(2026, 2, 22), 0),
        (date(2026, 2, 13), date(2026, 2, 23), 1),
        (date(2026, 2, 12), date(2026, 2, 23), 2),
        (date(2026, 2, 23), date(2026, 2, 13), -1),
        (date(2026, 4, 24), date(2026, 5, 4), 3),
        # 2026: 261 weekdays, 1 Jan and 12 more weekday holidays off, Saturday 22 Aug worked.
        (date(2026, 1, 1), date(2026, 12, 31), 261 - 1 - 12 + 1),
    ],
)
def test_working_days_between_counts_half_open_interval(a: date, b: date, expected: int) -> None:
    assert CAL.working_days_between(a, b) == expected


def test_negative_n_is_refused() -> None:
    with pytest.raises(ValueError, match="n must be >= 0"):
        CAL.add_working_days(date(2026, 2, 13), -1)


def test_dates_outside_the_calendar_are_refused() -> None:
    small = vietnam_calendar(years=range(2026, 2027))

    with pytest.raises(CalendarRangeError, match="2026-2026"):
        small.is_working_day(date(2027, 1, 4))
    with pytest.raises(CalendarRangeError, match="beyond the calendar"):
        small.next_working_day(date(2026, 12, 31))


def test_a_datetime_is_not_taken_for_a_date() -> None:
    with pytest.raises(TypeError, match="datetime"):
        CAL.is_working_day(at(2026, 2, 13))


def test_calendar_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        CAL.first_year = 1990  # type: ignore[misc]
    with pytest.raises(TypeError):
        CAL.notes[date(2026, 3, 9)] = "changed"  # type: ignore[index]


def test_calendar_refuses_contradictory_days() -> None:
    with pytest.raises(ValueError, match="both off and working"):
        WorkingCalendar(2026, 2026, frozenset({date(2026, 3, 7)}), frozenset({date(2026, 3, 7)}))
    with pytest.raises(ValueError, match="Saturdays or Sundays"):
        WorkingCalendar(2026, 2026, weekend_working_days=frozenset({date(2026, 3, 9)}))


# --- receipt days and due instants ----------------------------------------------


@pytest.mark.parametrize(
    ("received_at", "cutoff", "expected"),
    [
        (at(2026, 2, 13, 10), None, date(2026, 2, 13)),
        (at(2026, 2, 13, 16), None, date(2026, 2, 13)),  # no cut-off: the hour does not matter
        (at(2026, 2, 13, 15, 0, 0), CUTOFF, date(2026, 2, 13)),  # at 15:00:00 exactly it still counts
        (at(2026, 2, 13, 15, 0, 1), CUTOFF, date(2026, 2, 23)),
        (at(2026, 2, 14, 9), None, date(2026, 2, 23)),  # Saturday
        (at(2026, 3, 7, 9), None, date(2026, 3, 9)),  # an ordinary Saturday
        (at(2026, 3, 7, 16), CUTOFF, date(2026, 3, 9)),  # Saturday after the cut-off: still Monday
        (at(2026, 8, 22, 9), None, date(2026, 8, 22)),  # a swapped Saturday is a working day
        (datetime(2026, 2, 13, 3, 0, tzinfo=UTC), None, date(2026, 2, 13)),  # 10:00 local
        (datetime(2026, 2, 12, 18, 0, tzinfo=UTC), None, date(2026, 2, 13)),  # 01:00 local on the 13th
        (datetime(2026, 2, 13, 8, 30, tzinfo=UTC), CUTOFF, date(2026, 2, 23)),  # 15:30 local
    ],
)
def test_effective_receipt_day(received_at: datetime, cutoff: time | None, expected: date) -> None:
    assert effective_receipt_day(CAL, received_at, cutoff) == expected


@pytest.mark.parametrize(
    ("received_at", "working_days", "cutoff", "expected"),
    [
        # Tết 2026.
        (at(2026, 2, 13, 10), 1, None, end_of(date(2026, 2, 23))),
        (at(2026, 2, 13, 10), 0, None, end_of(date(2026, 2, 13))),
        (at(2026, 2, 13, 16), 1, CUTOFF, end_of(date(2026, 2, 24))),
        (at(2026, 2, 13, 16), 0, CUTOFF, end_of(date(2026, 2, 23))),
        (at(2026, 2, 17, 9), 3, None, end_of(date(2026, 2, 26))),  # received during Tết
        # 26 Apr - 3 May 2026.
        (at(2026, 4, 24, 10), 1, None, end_of(date(2026, 4, 28))),
        (at(2026, 4, 29, 10), 1, None, end_of(date(2026, 5, 4))),
        (at(2026, 4, 29, 15, 30), 1, CUTOFF, end_of(date(2026, 5, 5))),
        (at(2026, 4, 29, 15, 30), 0, CUTOFF, end_of(date(2026, 5, 4))),
        # Saturday receipts.
        (at(2026, 3, 7, 10), 0, None, end_of(date(2026, 3, 9))),
        (at(2026, 3, 7, 10), 2, None, end_of(date(2026, 3, 11))),
        (at(2026, 8, 22, 10), 0, None, end_of(date(2026, 8, 22))),
        # 2 September 2026.
        (at(2026, 8, 28, 10), 1, None, end_of(date(2026, 9, 3))),
        (at(2026, 8, 31, 10), 0, None, end_of(date(2026, 9, 3))),
        # Vietnam Culture Day 2026.
        (at(2026, 11, 23, 10), 1, None, end_of(date(2026, 11, 25))),
        (at(2026, 11, 24, 10), 1, None, end_of(date(2026, 11, 26))),
        # Birth + residence + insurance group: ≤ 3 working days in total.
        (at(2026, 4, 28, 14), 3, CUTOFF, end_of(date(2026, 5, 5))),
    ],
)
def test_due_at(received_at: datetime, working_days: int, cutoff: time | None, expected: datetime) -> None:
    due = due_at(CAL, received_at, working_days, cutoff=cutoff)

    assert due == expected
    assert due.tzinfo == HCM


def test_due_at_from_a_utc_receipt_is_given_in_local_time() -> None:
    due = due_at(CAL, datetime(2026, 2, 13, 3, 0, tzinfo=UTC), 1)

    assert due.isoformat() == "2026-02-23T17:00:00+07:00"
    assert isinstance(due.tzinfo, ZoneInfo)
    assert due.tzinfo.key == "Asia/Ho_Chi_Minh"


def test_due_at_end_of_day_is_a_parameter() -> None:
    due = due_at(CAL, at(2026, 2, 13), 1, end_of_day=time(16, 30))

    assert due == datetime(2026, 2, 23, 16, 30, tzinfo=HCM)


def test_pause_extends_the_deadline() -> None:
    assert due_at(CAL, at(2026, 2, 12), 1, paused_working_days=2) == end_of(date(2026, 2, 24))
    assert due_at(CAL, at(2026, 4, 28), 1, paused_working_days=1) == end_of(date(2026, 5, 4))


@pytest.mark.parametrize(
    ("paused_at", "resumed_at", "expected"),
    [
        (at(2026, 3, 9, 9), at(2026, 3, 9, 16), 0),
        (at(2026, 3, 9, 16), at(2026, 3, 10, 9), 1),
        (at(2026, 2, 13, 10), at(2026, 2, 24, 9), 2),  # Tết in between counts nothing
        (at(2026, 2, 13, 10), at(2026, 2, 21, 9), 0),
        (at(2026, 4, 29, 10), at(2026, 5, 4, 8), 1),
        (datetime(2026, 3, 9, 20, tzinfo=UTC), at(2026, 3, 10, 9), 0),  # 03:00 local on the 10th
    ],
)
def test_paused_working_days_between(paused_at: datetime, resumed_at: datetime, expected: int) -> None:
    assert paused_working_days_between(CAL, paused_at, resumed_at) == expected


def test_pause_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="before paused_at"):
        paused_working_days_between(CAL, at(2026, 3, 10), at(2026, 3, 9))


@pytest.mark.parametrize(
    ("working_days", "paused"),
    [(-1, 0), (1, -1)],
)
def test_due_at_refuses_negative_counts(working_days: int, paused: int) -> None:
    with pytest.raises(ValueError, match="must be >= 0"):
        due_at(CAL, at(2026, 3, 9), working_days, paused_working_days=paused)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due_at(CAL, datetime(2026, 3, 9, 10), 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        paused_working_days_between(CAL, at(2026, 3, 9), datetime(2026, 3, 10, 10))


def test_a_cutoff_with_a_timezone_is_refused() -> None:
    with pytest.raises(ValueError, match="cutoff"):
        effective_receipt_day(CAL, at(2026, 3, 9, 16), time(15, 0, tzinfo=UTC))


# --- the override file -----------------------------------------------------------

GOOD_OVERRIDES = """\
overrides:
  - date: 2026-03-09
    kind: off
    reason: "Test: extra day off"
    decision: "Test decision 1"
  - date: 2026-03-14
    kind: on
    reason: "Test: Saturday worked"
    decision: "Test decision 2"
  - date: 2026-02-21
    kind: on
    reason: "Test: a Tết weekend day worked"
    decision: "Test decision 3"
"""


def test_shipped_override_file_loads() -> None:
    shipped = load_overrides(OVERRIDES_FILE)

    assert all(o.reason and o.decision for o in shipped)


def test_override_file_reads_off_and_on_as_words(tmp_path: Path) -> None:
    overrides = load_overrides(_write(tmp_path, GOOD_OVERRIDES))

    assert overrides == (
        DayOverride(date(2026, 3, 9), "off", "Test: extra day off", "Test decision 1"),
        DayOverride(date(2026, 3, 14), "on", "Test: Saturday worked", "Test decision 2"),
        DayOverride(date(2026, 2, 21), "on", "Test: a Tết weekend day worked", "Test decision 3"),
    )


def test_overrides_are_honoured(tmp_path: Path) -> None:
    cal = load_vietnam_calendar(_write(tmp_path, GOOD_OVERRIDES), years=range(2025, 2028))

    assert not cal.is_working_day(date(2026, 3, 9))
    assert cal.is_working_day(date(2026, 3, 14))
    assert cal.is_working_day(date(2026, 2, 21))
    assert cal.note(date(2026, 3, 9)) == "Test: extra day off (Test decision 1)"
    assert cal.next_working_day(date(2026, 2, 13)) == date(2026, 2, 21)
    assert due_at(cal, at(2026, 3, 6, 10), 1) == end_of(date(2026, 3, 10))
    assert due_at(cal, at(2026, 3, 13, 10), 1) == end_of(date(2026, 3, 14))
    assert effective_receipt_day(cal, at(2026, 3, 9, 10)) == date(2026, 3, 10)


def test_an_override_wins_over_the_package() -> None:
    cal = vietnam_calendar(
        [
            DayOverride(date(2026, 8, 22), "off", "Swap cancelled (test)", "Test"),
            DayOverride(date(2026, 2, 14), "on", "Tết Saturday worked (test)", "Test"),
        ],
        years=range(2026, 2027),
    )

    assert not cal.is_working_day(date(2026, 8, 22))
    assert cal.is_working_day(date(2026, 2, 14))


def test_an_empty_override_list_gives_the_package_calendar(tmp_path: Path) -> None:
    cal = load_vietnam_calendar(_write(tmp_path, "overrides: []\n"), years=range(2026, 2027))

    assert cal == vietnam_calendar(years=range(2026, 2027))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "overrides:\n  - date: 2026-03-09\n    kind: off\n    decision: D\n",
            "overrides[0] (date 2026-03-09), field 'reason': Field required",
        ),
        (
            "overrides:\n  - date: 2026-03-09\n    kind: off\n    reason: R\n",
            "overrides[0] (date 2026-03-09), field 'decision': Field required",
        ),
        (
            "overrides:\n  - date: 2026-03-09\n    kind: off\n    reason: '  '\n    decision: D\n",
            "overrides[0] (date 2026-03-09), field 'reason'",
        ),
        (
            "overrides:\n  - date: 2026-03-09\n    kind: maybe\n    reason: R\n    decision: D\n",
            "overrides[0] (date 2026-03-09), field 'kind'",
        ),
        (
            "overrides:\n  - date: 2026-03-09\n    kind: yes\n    reason: R\n    decision: D\n",
            "overrides[0] (date 2026-03-09), field 'kind'",
        ),
        (
            "overrides:\n  - date: 2026-03-08\n    kind: off\n    reason: R\n    decision: D\n",
            "overrides[0] (date 2026-03-08), field 'date': Value error, 2026-03-08 is a Sunday",
        ),
        (
            "overrides:\n  - date: 2026-02-30\n    kind: off\n    reason: R\n    decision: D\n",
            "overrides[0] (date 2026-02-30), field 'date'",
        ),
        (
            "overrides:\n  - date: 20260309\n    kind: off\n    reason: R\n    decision: D\n",
            "overrides[0] (date 20260309), field 'date': Value error, write the date as YYYY-MM-DD",
        ),
        (
            "overrides:\n  - kind: off\n    reason: R\n    decision: D\n",
            "overrides[0], field 'date': Field required",
        ),
        (
            "overrides:\n  - date: 2026-03-09\n    kind: off\n    reasn: R\n    reason: R\n    decision: D\n",
            "overrides[0] (date 2026-03-09), field 'reasn': Extra inputs are not permitted",
        ),
        (
            "overrides:\n"
            "  - {date: 2026-03-09, kind: off, reason: R, decision: D}\n"
            "  - {date: 2026-03-09, kind: off, reason: R2, decision: D2}\n",
            "overrides[1] (date 2026-03-09), field 'date': the same date as overrides[0]",
        ),
        ("", "(whole file): Input should be a valid dictionary"),
        ("overrides: [\n", "not valid YAML"),
        ("days: []\n", "field 'overrides': Field required"),
    ],
)
def test_bad_override_file_names_file_entry_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path, text)

    with pytest.raises(OverrideFileError) as caught:
        load_overrides(path)

    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


def test_missing_override_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"

    with pytest.raises(OverrideFileError, match=r"absent\.yaml: cannot read"):
        load_vietnam_calendar(path)


# --- taking back a package holiday, the New Year 2026 swap, fingerprints, closures ----


def test_an_on_weekday_takes_back_a_holiday_the_package_adds(tmp_path: Path) -> None:
    text = "overrides:\n  - {date: 2026-11-24, kind: on, reason: 'Test: not granted', decision: 'Test D'}\n"
    cal = load_vietnam_calendar(_write(tmp_path, text), years=range(2026, 2027))

    assert vietnam_calendar(years=range(2026, 2027)).is_working_day(date(2026, 11, 24)) is False
    assert cal.is_working_day(date(2026, 11, 24))
    assert cal.note(date(2026, 11, 24)) == "Test: not granted (Test D)"
    assert cal.add_working_days(date(2026, 11, 23), 1) == date(2026, 11, 24)


def test_an_on_weekday_the_package_does_not_give_off_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "overrides:\n  - {date: 2026-03-09, kind: on, reason: R, decision: D}\n")

    with pytest.raises(
        OverrideFileError, match=r"overrides\.yaml: the 'on' override of 2026-03-09 \(D\) removes nothing"
    ):
        load_vietnam_calendar(path, years=range(2026, 2027))


def test_the_new_year_2026_swap_is_shipped_with_its_source() -> None:
    shipped = {o.day: o for o in load_overrides(OVERRIDES_FILE)}

    assert shipped[date(2026, 1, 2)].kind == "off"
    assert shipped[date(2026, 1, 10)].kind == "on"
    assert all("12729/VPCP-KGVX" in shipped[d].decision for d in (date(2026, 1, 2), date(2026, 1, 10)))
    assert not CAL.is_working_day(date(2026, 1, 2))
    assert CAL.is_working_day(date(2026, 1, 10))
    assert CAL.add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 5)


def test_the_fingerprint_follows_the_working_days_only() -> None:
    base = vietnam_calendar(years=range(2026, 2027))
    same = vietnam_calendar(years=range(2026, 2027))
    swapped = vietnam_calendar([DayOverride(date(2026, 3, 9), "off", "R", "D")], years=range(2026, 2027))

    assert base.fingerprint == same.fingerprint
    assert base.fingerprint != swapped.fingerprint
    assert len(base.fingerprint) == 16


def test_closed_days_stop_the_count_on_weekdays_and_worked_weekends() -> None:
    cal = CAL.with_days_closed(frozenset({date(2026, 3, 10), date(2026, 1, 10), date(2026, 3, 14)}))

    assert not cal.is_working_day(date(2026, 3, 10))
    assert not cal.is_working_day(date(2026, 1, 10))
    assert CAL.add_working_days(date(2026, 3, 9), 3) == date(2026, 3, 12)
    assert cal.add_working_days(date(2026, 3, 9), 3) == date(2026, 3, 13)
    assert CAL.with_days_closed(frozenset()) is CAL
