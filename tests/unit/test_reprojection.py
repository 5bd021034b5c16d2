"""Re-projected due dates: closures and calendar changes move open due dates, never finished ones."""

from datetime import date, datetime
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from services.routing.domain.closures import Closure, ClosureRejectedError, Decision, closed_days
from services.routing.domain.reprojection import Reprojection
from shared.reference.calendar import DayOverride, default_calendar, vietnam_calendar

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = default_calendar()
DECISION = Decision("123/QĐ-UBND", date(2026, 3, 8), "Ủy ban nhân dân tỉnh Nghệ An")


def at(month: int, day: int, hour: int = 17) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=HCM)


def closure(
    communes: tuple[str, ...] = ("17179",), first: date = date(2026, 3, 10), last: date = date(2026, 3, 12)
) -> Closure:
    return Closure(uuid4(), "40", communes, first, last, "lũ lụt", DECISION, "clerk:s1", at(3, 9, 8))


def test_a_closure_covers_its_communes_only_and_a_whole_province_every_commune() -> None:
    one, whole = closure(), closure(communes=())

    assert one.covers("40", "17179")
    assert not one.covers("40", "17180")
    assert not one.covers("41", "17179")
    assert whole.covers("40", "17180")
    assert closed_days([one], "40", "17180") == frozenset()
    assert closed_days([one], "40", "17179") == {date(2026, 3, 10), date(2026, 3, 11), date(2026, 3, 12)}


def test_closed_working_days_push_a_due_date_as_many_working_days() -> None:
    move = Reprojection(CAL, CAL.with_days_closed(closure().days())).due

    # Received Monday 9 March, due 5 working days later on Monday 16; three closed days push it to Thursday 19.
    assert move(at(3, 9, 10), at(3, 16)) == at(3, 19)
    # A due date before the closure does not move.
    assert move(at(3, 2, 10), at(3, 9)) == at(3, 9)


def test_ending_a_closure_before_it_began_gives_the_first_due_date_back() -> None:
    closed = CAL.with_days_closed(closure().days())
    ended = closure().ended(date(2026, 3, 10), at(3, 9, 12))

    back = Reprojection(closed, CAL.with_days_closed(ended.days())).due(at(3, 9, 10), at(3, 19))

    assert ended.days() == frozenset()
    assert back == at(3, 16)


def test_equal_calendars_move_nothing_even_a_due_date_on_a_day_off() -> None:
    move = Reprojection(CAL, CAL).due

    assert move(at(3, 9, 10), at(3, 14, 10)) == at(3, 14, 10)


def test_an_override_moves_the_due_dates_it_falls_before() -> None:
    extra = vietnam_calendar([DayOverride(date(2026, 3, 11), "off", "R", "D")], years=range(2025, 2028))
    base = vietnam_calendar(years=range(2025, 2028))

    assert Reprojection(base, extra).due(at(3, 9, 10), at(3, 16)) == at(3, 17)


def test_a_closure_ends_early_only_before_its_last_day_and_extends_only_later() -> None:
    c = closure()

    assert c.ended(date(2026, 3, 12), at(3, 11)).last_day == date(2026, 3, 11)
    assert c.extended(date(2026, 3, 20)).last_day == date(2026, 3, 20)
    with pytest.raises(ClosureRejectedError, match="does not end the closure early"):
        c.ended(date(2026, 3, 13), at(3, 11))
    with pytest.raises(ClosureRejectedError, match="does not extend"):
        c.extended(date(2026, 3, 12))
    assert "123/QĐ-UBND" in c.told()
