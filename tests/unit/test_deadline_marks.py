"""When a task reaches its deadline marks (services.department.deadlines.marks)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.department.deadlines.marks import DeadlinePolicy, Mark, TaskClock
from services.department.deadlines.office_time import OfficeTime
from shared.contracts import DeadlineKind
from shared.reference.calendar import default_calendar, due_at

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
WARNING, OVERDUE = DeadlineKind.WARNING, DeadlineKind.OVERDUE
NONE_SENT: frozenset[DeadlineKind] = frozenset()


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=HCM)


def clock(assigned: datetime, due: datetime, *, now_due: datetime | None = None, running: bool = True) -> TaskClock:
    return TaskClock(assigned_at=assigned, assigned_due_at=due, due_at=now_due or due, running=running)


@pytest.fixture(scope="module")
def policy() -> DeadlinePolicy:
    return DeadlinePolicy(OfficeTime(default_calendar()))


# One working day from Friday 20 November 2026 10:00: due Monday 23 November 17:00.
FRIDAY_TASK = clock(at(11, 20, 10), at(11, 23, 17))


def test_the_warning_falls_when_three_quarters_of_the_office_hours_are_used(policy: DeadlinePolicy) -> None:
    assert due_at(default_calendar(), at(11, 20, 10), 1) == at(11, 23, 17)
    # 16 office hours (Friday 7, Monday 9): the warning at 12 used, Monday 13:00 —
    # not Sunday 21:15 as three quarters of the wall time would have it.
    assert policy.warning_at(FRIDAY_TASK) == at(11, 23, 13)


def test_tet_does_not_use_the_allowance(policy: DeadlinePolicy) -> None:
    assigned = at(2, 12, 9)
    due = due_at(default_calendar(), assigned, 3)
    assert due == at(2, 24, 17)
    # 35 office hours; 8 h 45 left before the due time: Tuesday 08:15, not Saturday 21 February in Tết.
    assert policy.warning_at(clock(assigned, due)) == at(2, 24, 8, 15)


def test_the_share_is_configurable() -> None:
    half = DeadlinePolicy(OfficeTime(default_calendar()), share=0.5)
    assert half.warning_at(FRIDAY_TASK) == at(11, 23, 9)


@pytest.mark.parametrize("share", [0, -0.1, 1.01])
def test_the_share_must_be_a_fraction_of_the_allowance(share: float) -> None:
    with pytest.raises(ValueError, match="share"):
        DeadlinePolicy(OfficeTime(default_calendar()), share=share)


def test_a_full_share_warns_at_the_due_time(policy: DeadlinePolicy) -> None:
    full = DeadlinePolicy(policy.office, share=1)
    assert full.warning_at(FRIDAY_TASK) == at(11, 23, 17)


def test_nothing_is_due_before_the_warning(policy: DeadlinePolicy) -> None:
    review = policy.review(FRIDAY_TASK, NONE_SENT, at(11, 23, 12, 59))
    assert review.send == ()
    assert review.next_at == at(11, 23, 13)


def test_the_warning_is_sent_at_its_instant_then_the_overdue_mark_is_awaited(policy: DeadlinePolicy) -> None:
    review = policy.review(FRIDAY_TASK, NONE_SENT, at(11, 23, 13))
    assert review.send == (Mark(WARNING, at(11, 23, 13)),)
    assert review.next_at == at(11, 23, 17)


def test_a_task_is_not_overdue_at_its_due_time_only_after_it(policy: DeadlinePolicy) -> None:
    sent = frozenset({WARNING})
    assert policy.review(FRIDAY_TASK, sent, at(11, 23, 17)).send == ()
    after = policy.review(FRIDAY_TASK, sent, at(11, 23, 17) + timedelta(microseconds=1))
    assert after.send == (Mark(OVERDUE, at(11, 23, 17)),)
    assert after.next_at is None


def test_both_marks_due_at_once_go_warning_first(policy: DeadlinePolicy) -> None:
    review = policy.review(FRIDAY_TASK, NONE_SENT, at(11, 25, 9))
    assert [m.kind for m in review.send] == [WARNING, OVERDUE]
    assert review.next_at is None


def test_a_mark_already_sent_is_not_sent_again(policy: DeadlinePolicy) -> None:
    review = policy.review(FRIDAY_TASK, frozenset({WARNING, OVERDUE}), at(11, 25, 9))
    assert review == type(review)((), None)


@pytest.mark.parametrize("now", [at(11, 23, 14), at(11, 30, 9)])
def test_a_task_that_is_not_running_gets_no_mark(policy: DeadlinePolicy, now: datetime) -> None:
    stopped = clock(at(11, 20, 10), at(11, 23, 17), running=False)  # waiting for supplements, or finished
    review = policy.review(stopped, NONE_SENT, now)
    assert review.send == ()
    assert review.next_at is None


def test_days_waiting_for_supplements_move_the_warning_with_the_due_time(policy: DeadlinePolicy) -> None:
    # Waited two working days: routing moves the due time from Monday 23 to Thursday 26
    # (Tuesday 24 is Culture Day); the warning stays four office hours before it.
    resumed = clock(at(11, 20, 10), at(11, 23, 17), now_due=at(11, 26, 17))
    assert policy.warning_at(resumed) == at(11, 26, 13)


def test_a_restarted_allowance_gets_its_warning_at_the_same_distance(policy: DeadlinePolicy) -> None:
    # Restarted after a long wait: one working day again from Friday 4 December.
    restarted = clock(at(11, 20, 10), at(11, 23, 17), now_due=at(12, 7, 17))
    review = policy.review(restarted, NONE_SENT, at(12, 4, 10))
    assert review.send == ()
    assert review.next_at == at(12, 7, 13)


def test_an_extension_before_the_warning_moves_it(policy: DeadlinePolicy) -> None:
    extended = clock(at(11, 20, 10), at(11, 23, 17), now_due=at(11, 27, 17))
    review = policy.review(extended, NONE_SENT, at(11, 23, 14))
    assert review.send == ()
    assert review.next_at == at(11, 27, 13)


def test_an_extension_after_the_warning_brings_no_second_warning(policy: DeadlinePolicy) -> None:
    extended = clock(at(11, 20, 10), at(11, 23, 17), now_due=at(11, 27, 17))
    review = policy.review(extended, frozenset({WARNING}), at(11, 27, 14))
    assert review.send == ()
    assert review.next_at == at(11, 27, 17)


def test_a_task_with_no_office_time_in_its_allowance_is_warned_at_once(policy: DeadlinePolicy) -> None:
    # A same-day task assigned after hours is due before it was assigned.
    late = clock(at(11, 23, 18), at(11, 23, 17))
    review = policy.review(late, NONE_SENT, at(11, 23, 18))
    assert review.send == (Mark(WARNING, at(11, 23, 17)), Mark(OVERDUE, at(11, 23, 17)))
