"""Plan execution in routing: stages, refusals, supplements, returns and withdrawal."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from services.routing.domain.deadlines import Deadlines
from services.routing.domain.plan import (
    Assigned,
    Cancelled,
    DossierPlan,
    Effect,
    PlanRejectedError,
    PlanTask,
    ResultAsked,
    Resumed,
    Routing,
    StatusChanged,
    TaskState,
)
from shared.contracts import DossierStatus, ResultKind
from shared.reference.calendar import default_calendar

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
DEADLINES = Deadlines(default_calendar(), HCM)
# Monday 23 November 2026, 09:00 in Vietnam; Tuesday 24 is Culture Day.
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=HCM)


def _task(key: str, stage: int, unit: str, days: int = 2, alternatives: tuple[str, ...] = ()) -> PlanTask:
    return PlanTask(
        id=uuid4(),
        key=key,
        name_vi=key,
        name_en=key,
        stage=stage,
        working_days=days,
        routing=Routing(unit, "commune:VP", None, "test"),
        alternatives=[Routing(a, "province:VPUBND", None, "fallback") for a in alternatives],
    )


def _plan(*tasks: PlanTask, supplement_once: bool = True, on_supplement: str = "pause") -> DossierPlan:
    return DossierPlan(
        dossier_id=uuid4(),
        dossier_code="000.00.15.H40-261123-0001",
        procedure_code="1.000001",
        catalogue_version="test",
        rules_version="test",
        receiving_agency="000.00.15.H40",
        received_at=MONDAY,
        due_at=DEADLINES.dossier_due(MONDAY, 5, None),
        working_days=5,
        cutoff=None,
        on_supplement=on_supplement,  # type: ignore[arg-type]
        supplement_once=supplement_once,
        stage_count=max(t.stage for t in tasks) + 1,
        tasks=list(tasks),
    )


def _birth_group() -> tuple[DossierPlan, PlanTask, PlanTask, PlanTask]:
    birth = _task("register-birth", 0, "40001.VP", days=1)
    residence = _task("register-residence", 1, "40001.CA")
    card = _task("issue-health-insurance", 1, "40.BHXH")
    return _plan(birth, residence, card), birth, residence, card


def _assigned(effects: list[Effect]) -> list[str]:
    return [e.task_key for e in effects if isinstance(e, Assigned)]


def test_start_announces_receipt_opens_stage_one_only_and_moves_to_processing() -> None:
    plan, birth, residence, card = _birth_group()

    effects = plan.start(MONDAY, DEADLINES)

    statuses = [e.status for e in effects if isinstance(e, StatusChanged)]
    assert statuses == [DossierStatus.RECEIVING, DossierStatus.PROCESSING]
    assert _assigned(effects) == ["register-birth"]
    assert (birth.state, residence.state, card.state) == (TaskState.OPEN, TaskState.PENDING, TaskState.PENDING)
    # one working day from Monday 23 Nov skips Culture Day (Tue 24) and ends Wednesday 25 at 17:00
    assert birth.due_at == datetime(2026, 11, 25, 17, 0, tzinfo=HCM)


def test_stage_two_opens_in_parallel_after_stage_one_approves_and_the_last_approver_is_asked_for_the_result() -> None:
    plan, birth, residence, card = _birth_group()
    plan.start(MONDAY, DEADLINES)

    opened = plan.approve(birth.id, MONDAY, DEADLINES)
    assert sorted(_assigned(opened)) == ["issue-health-insurance", "register-residence"]
    assert plan.approve(residence.id, MONDAY, DEADLINES) == []
    finished = plan.approve(card.id, MONDAY, DEADLINES)

    asked = [e for e in finished if isinstance(e, ResultAsked)]
    assert [(e.task_id, e.unit_code, e.kind) for e in asked] == [(card.id, "40.BHXH", ResultKind.RESULT)]
    assert [(e.status, e.handling_unit) for e in finished if isinstance(e, StatusChanged)] == [
        (DossierStatus.PROCESSING, "40.BHXH")
    ]
    assert plan.status is DossierStatus.PROCESSING, "not done until the result is returned"


def test_refusal_in_stage_one_denies_and_stage_two_is_never_assigned() -> None:
    plan, birth, residence, card = _birth_group()
    plan.start(MONDAY, DEADLINES)

    effects = plan.refuse(birth.id, "the birth certificate is forged", MONDAY)

    assert _assigned(effects) == []
    asked = [e for e in effects if isinstance(e, ResultAsked)]
    assert [(e.unit_code, e.kind, e.reason) for e in asked] == [
        ("40001.VP", ResultKind.REFUSAL, "the birth certificate is forged")
    ]
    assert plan.status is DossierStatus.PROCESSING, "denied when the refusal letter is issued"
    assert residence.state is TaskState.CANCELLED
    assert card.state is TaskState.CANCELLED
    assert not [e for e in effects if isinstance(e, Cancelled)], "pending tasks were never assigned, nothing to cancel"


def test_refusal_of_one_parallel_task_cancels_the_other() -> None:
    plan, birth, residence, card = _birth_group()
    plan.start(MONDAY, DEADLINES)
    plan.approve(birth.id, MONDAY, DEADLINES)

    effects = plan.refuse(card.id, "not eligible", MONDAY)

    assert [e.task_id for e in effects if isinstance(e, Cancelled)] == [residence.id]
    assert [e.unit_code for e in effects if isinstance(e, ResultAsked)] == ["40.BHXH"]


def test_supplement_request_stops_the_clock_and_the_supplement_moves_due_dates_by_the_days_waited() -> None:
    plan, birth, _residence, _card = _birth_group()
    plan.start(MONDAY, DEADLINES)
    dossier_due, task_due = plan.due_at, birth.due_at
    assert task_due is not None

    waiting = plan.request_supplement(birth.id, ("hospital birth certificate",), MONDAY)
    assert [(e.status, e.missing) for e in waiting if isinstance(e, StatusChanged)] == [
        (DossierStatus.WAITING, ("hospital birth certificate",))
    ]
    assert plan.paused_at == MONDAY
    # supplements handed in on Friday 27: Wed 25, Thu 26 and Fri 27 were spent waiting
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=HCM)
    resumed = plan.supplement(friday, DEADLINES)

    assert [e.task_id for e in resumed if isinstance(e, Resumed)] == [birth.id]
    assert plan.status is DossierStatus.PROCESSING
    assert plan.paused_at is None
    assert birth.due_at == DEADLINES.extend(task_due, 3)
    assert plan.due_at == DEADLINES.extend(dossier_due, 3)
    assert birth.due_at == datetime(2026, 11, 30, 17, 0, tzinfo=HCM)  # was Wed 25: Thu 26, Fri 27, Mon 30


def test_restart_rule_counts_the_whole_allowance_again_from_the_supplement() -> None:
    task = _task("decide", 0, "40.SXD", days=2)
    plan = _plan(task, on_supplement="restart")
    plan.start(MONDAY, DEADLINES)
    plan.request_supplement(task.id, ("drawings",), MONDAY)
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=HCM)

    plan.supplement(friday, DEADLINES)

    assert task.due_at == DEADLINES.task_due(friday, 2)
    assert plan.due_at == DEADLINES.dossier_due(friday, 5, None)


def test_a_second_supplement_request_is_refused_when_the_procedure_allows_one() -> None:
    task = _task("decide", 0, "40.SXD")
    plan = _plan(task)
    plan.start(MONDAY, DEADLINES)
    plan.request_supplement(task.id, ("drawings",), MONDAY)
    plan.supplement(MONDAY + timedelta(hours=1), DEADLINES)

    effects = plan.request_supplement(task.id, ("more drawings",), MONDAY + timedelta(hours=2))

    assert [type(e) for e in effects] == [Resumed]
    assert task.state is TaskState.OPEN
    assert plan.status is DossierStatus.PROCESSING


def test_supplement_when_not_waiting_is_rejected() -> None:
    plan, *_ = _birth_group()
    plan.start(MONDAY, DEADLINES)

    with pytest.raises(PlanRejectedError, match="not waiting"):
        plan.supplement(MONDAY, DEADLINES)


def test_returned_task_goes_to_the_next_candidate_with_an_audit_entry() -> None:
    task = _task("register-land", 0, "91001.KT", alternatives=("91.SNNMT", "91.VPUBND"))
    plan = _plan(task)
    plan.start(MONDAY, DEADLINES)

    effects = plan.return_task(task.id, "land of an organisation: province's competence", MONDAY, DEADLINES)

    assigned = [e for e in effects if isinstance(e, Assigned)]
    assert [(e.task_key, e.unit_code) for e in assigned] == [("register-land", "91.SNNMT")]
    replacement = plan.task(assigned[0].task_id)
    assert replacement is not None
    assert replacement.replaces == task.id
    assert task.state is TaskState.RETURNED
    assert [(a.action, a.from_unit, a.to_unit) for a in plan.audit] == [("re-routed", "91001.KT", "91.SNNMT")]
    effects = plan.approve(replacement.id, MONDAY, DEADLINES)
    assert [e.unit_code for e in effects if isinstance(e, ResultAsked)] == ["91.SNNMT"]


def test_withdrawal_cancels_every_open_task() -> None:
    plan, birth, residence, card = _birth_group()
    plan.start(MONDAY, DEADLINES)
    plan.approve(birth.id, MONDAY, DEADLINES)

    effects = plan.withdraw("filed by mistake", MONDAY)

    assert sorted(e.task_id for e in effects if isinstance(e, Cancelled)) == sorted([residence.id, card.id])
    assert plan.status is DossierStatus.CANCELLED
    with pytest.raises(PlanRejectedError, match="already cancelled"):
        plan.approve(residence.id, MONDAY, DEADLINES)


def test_unknown_task_is_rejected() -> None:
    plan, *_ = _birth_group()
    plan.start(MONDAY, DEADLINES)

    with pytest.raises(PlanRejectedError, match="not part of"):
        plan.approve(UUID(int=7), MONDAY, DEADLINES)


def test_start_twice_is_rejected() -> None:
    plan, *_ = _birth_group()
    plan.start(datetime(2026, 11, 23, 2, 0, tzinfo=UTC), DEADLINES)

    with pytest.raises(PlanRejectedError):
        plan.start(MONDAY, DEADLINES)


def test_a_plan_survives_its_round_trip_through_the_stored_json() -> None:
    from pydantic import TypeAdapter

    plan, birth, *_ = _birth_group()
    plan.start(MONDAY, DEADLINES)
    plan.request_supplement(birth.id, ("paper",), MONDAY)
    adapter = TypeAdapter(DossierPlan)

    assert adapter.validate_json(adapter.dump_json(plan)) == plan


def test_an_extension_moves_the_task_and_the_dossier_by_the_same_working_days_and_tells_the_applicant() -> None:
    plan, birth, *_ = _birth_group()
    plan.start(MONDAY, DEADLINES)
    assert birth.due_at == datetime(2026, 11, 25, 17, 0, tzinfo=HCM)
    dossier_due = plan.due_at

    new_due = datetime(2026, 11, 27, 17, 0, tzinfo=HCM)  # Wed 25 → Fri 27: two working days later
    effects = plan.extend(birth.id, new_due, "cần xác minh với bệnh viện", MONDAY, DEADLINES)

    assert birth.due_at == new_due
    assert plan.due_at == DEADLINES.extend(dossier_due, 2)
    changes = [e for e in effects if isinstance(e, StatusChanged)]
    assert [(c.status, c.due_at, c.reason) for c in changes] == [
        (DossierStatus.PROCESSING, plan.due_at, "cần xác minh với bệnh viện")
    ]
    assert plan.audit[-1].action == "extended"


def test_an_extension_to_an_earlier_time_is_rejected() -> None:
    plan, birth, *_ = _birth_group()
    plan.start(MONDAY, DEADLINES)
    assert birth.due_at is not None

    with pytest.raises(PlanRejectedError, match="already due"):
        plan.extend(birth.id, birth.due_at, "no", MONDAY, DEADLINES)
