"""The escalation ladder: loading the versioned data, and when each step falls in working hours."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.department.deadlines.office_time import OfficeTime
from services.department.escalation.timing import look, step_at
from shared.reference.calendar import default_calendar
from shared.reference.data import ReferenceDataError
from shared.reference.escalation import LADDER_PATH, Audience, Step, load_ladders

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICE = OfficeTime(default_calendar())


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=HCM)


def test_the_shipped_ladder_names_its_version_and_sources_and_climbs_to_the_province() -> None:
    ladders = load_ladders(LADDER_PATH)
    assert ladders.version
    assert any("61/2018" in source for source in ladders.sources)
    assert [s.audience for s in ladders.ladder_for("40")] == [
        Audience.UNIT_SUPERVISORS,
        Audience.UNIT_HEAD,
        Audience.PROVINCE_ONE_STOP,
    ]


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "escalation.yaml"
    path.write_text(body, encoding="utf-8")
    return path


HEAD = 'version: "t1"\nsources: ["test"]\ndefault:\n  - {step: 1, after_working_hours: 0, audience: unit-supervisors}\n'


def test_a_province_with_its_own_regulation_follows_its_own_ladder(tmp_path: Path) -> None:
    own = "provinces:\n  '40':\n    source: 'Quyết định của UBND tỉnh'\n    steps:\n"
    own += "      - {step: 1, after_working_hours: 4.5, audience: province-one-stop}\n"
    ladders = load_ladders(_write(tmp_path, HEAD + own))
    assert ladders.ladder_for("40") == (Step(step=1, after_working_hours=4.5, audience=Audience.PROVINCE_ONE_STOP),)
    assert ladders.ladder_for("91") == ladders.default


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ("  - {step: 3, after_working_hours: 9, audience: unit-head}\n", "numbered 1, 2, 3"),
        ("  - {step: 2, after_working_hours: -1, audience: unit-head}\n", "after_working_hours"),
        ("  - {step: 2, after_working_hours: 9, audience: the-minister}\n", "audience"),
        ("provinces:\n  '99': {source: x, steps: [{step: 1, after_working_hours: 0, audience: unit-head}]}\n", "99"),
    ],
)
def test_a_broken_ladder_is_a_load_error_naming_what(tmp_path: Path, extra: str, named: str) -> None:
    with pytest.raises(ReferenceDataError, match=named):
        load_ladders(_write(tmp_path, HEAD + extra))


def test_a_later_step_may_not_come_sooner(tmp_path: Path) -> None:
    body = HEAD.replace("after_working_hours: 0", "after_working_hours: 9")
    body += "  - {step: 2, after_working_hours: 1, audience: unit-head}\n"
    with pytest.raises(ReferenceDataError, match="sooner"):
        load_ladders(_write(tmp_path, body))


LADDER = load_ladders(LADDER_PATH).default


def test_steps_fall_after_working_hours_not_over_nights_weekends_or_holidays() -> None:
    # Overdue Friday 20 November 2026 at 17:00; Monday 23 works, Tuesday 24 is Vietnam Culture Day.
    overdue = at(11, 20, 17)
    assert [step_at(OFFICE, overdue, s) for s in LADDER] == [overdue, at(11, 23, 17), at(11, 25, 17)]
    assert OFFICE.after(at(11, 23, 12), 2 * 3600) == at(11, 23, 14)
    assert OFFICE.after(at(11, 23, 20), 3600) == at(11, 25, 9)


def test_a_look_takes_every_fallen_step_in_order_and_says_when_the_next_falls() -> None:
    overdue = at(11, 20, 17)
    first = look(OFFICE, LADDER, overdue_at=overdue, next_step=1, escalating=True, now=at(11, 20, 17, 1))
    assert [d.step.step for d in first.take] == [1]
    assert first.next_at == at(11, 23, 17)
    late = look(OFFICE, LADDER, overdue_at=overdue, next_step=2, escalating=True, now=at(11, 30, 9))
    assert [d.step.step for d in late.take] == [2, 3]
    assert late.next_at is None
    done = look(OFFICE, LADDER, overdue_at=overdue, next_step=4, escalating=True, now=at(11, 30, 9))
    assert done.take == ()
    assert done.next_at is None


def test_a_task_no_longer_overdue_takes_no_step() -> None:
    stopped = look(OFFICE, LADDER, overdue_at=at(11, 20, 17), next_step=1, escalating=False, now=at(11, 30, 9))
    assert stopped.take == ()
    assert stopped.next_at is None
