"""A plan's life around the handling, in the domain: waits that overlap, a running clock, the result, stale acts."""

from datetime import datetime
from uuid import uuid4

import pytest
from pydantic import TypeAdapter

from services.routing.domain.plan import (
    DossierPlan,
    Effect,
    PlanRejectedError,
    PlanTask,
    PlanViolationError,
    ResultAsked,
    Resumed,
    ReturnAnnounced,
    StatusChanged,
    TaskState,
)
from shared.contracts import (
    DocumentRole,
    DossierStatus,
    IdentityDecision,
    IdentityStatus,
    PaymentDue,
    ResultDelivery,
    ResultKind,
)
from shared.reference.data import catalogue
from tests.support.routing_harness import document
from tests.unit.test_plan_execution import DEADLINES, HCM, MONDAY, _plan, _task

TUESDAY = datetime(2026, 11, 24, 9, 0, tzinfo=HCM)  # Culture Day: not a working day
WEDNESDAY = datetime(2026, 11, 25, 9, 0, tzinfo=HCM)
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=HCM)
LEVY = PaymentDue(amount_vnd=1_200_000, description="Registration fee")
RECEIPT = document("receipt", DocumentRole.PAYMENT_RECEIPT)
EXTRACT = document("extract", DocumentRole.RESULT)


def _statuses(effects: list[Effect]) -> list[DossierStatus]:
    return [e.status for e in effects if isinstance(e, StatusChanged)]


def _one_task() -> tuple[DossierPlan, PlanTask]:
    task = _task("decide", 0, "40.SXD", days=5)
    plan = _plan(task)
    plan.start(MONDAY, DEADLINES)
    return plan, task


def test_a_running_clock_keeps_every_due_date_while_paying() -> None:
    plan, task = _one_task()
    task_due, dossier_due = task.due_at, plan.due_at

    paying = plan.request_payment(task.id, LEVY, "run", MONDAY)
    resumed = plan.paid(RECEIPT, FRIDAY, DEADLINES)

    assert [(e.status, e.payment) for e in paying if isinstance(e, StatusChanged)] == [(DossierStatus.PAYING, LEVY)]
    assert plan.paused_at is None
    assert [e.due_at for e in resumed if isinstance(e, Resumed)] == [task_due]
    assert plan.due_at == dossier_due
    assert _statuses(resumed) == [DossierStatus.PROCESSING]


def test_supplements_asked_while_paying_keep_the_clock_stopped_until_both_are_handed_in() -> None:
    first = _task("assess", 0, "40.SXD", days=5)
    second = _task("inspect", 0, "40.STNMT", days=5)
    plan = _plan(first, second, supplement_once=False)
    plan.start(MONDAY, DEADLINES)
    first_due, dossier_due = first.due_at, plan.due_at
    assert first_due is not None

    plan.request_payment(first.id, LEVY, "pause", MONDAY)
    waiting = plan.request_supplement(second.id, ("drawings",), MONDAY)
    drawings = document("drawings")
    supplemented = plan.supplement(WEDNESDAY, DEADLINES, (drawings,))
    paid = plan.paid(RECEIPT, FRIDAY, DEADLINES)

    assert _statuses(waiting) == [DossierStatus.WAITING]
    assert [e.task_id for e in supplemented if isinstance(e, Resumed)] == [second.id]
    assert _statuses(supplemented) == [DossierStatus.PAYING], "the obligation is still unpaid"
    assert [s.payment for s in supplemented if isinstance(s, StatusChanged)] == [None], "notified once, not again"
    resumed = [e for e in paid if isinstance(e, Resumed)]
    assert [(e.task_id, e.documents) for e in resumed] == [(first.id, (drawings, RECEIPT))], "handed in since it waited"
    stopped = DEADLINES.paused_days(MONDAY, FRIDAY)
    assert first.due_at == DEADLINES.extend(first_due, stopped), "stopped once, from Monday to Friday"
    assert plan.due_at == DEADLINES.extend(dossier_due, stopped)
    assert (plan.paused_at, plan.status) == (None, DossierStatus.PROCESSING)


def test_a_payment_without_a_task_waiting_for_it_is_rejected_and_keeps_no_receipt() -> None:
    plan, _ = _one_task()

    with pytest.raises(PlanRejectedError, match="not waiting for payments"):
        plan.paid(RECEIPT, FRIDAY, DEADLINES)

    assert plan.documents == []


def test_no_obligation_can_be_notified_on_a_procedure_without_one() -> None:
    plan, task = _one_task()

    with pytest.raises(PlanViolationError):
        plan.request_payment(task.id, LEVY, None, MONDAY)

    assert task.state is TaskState.OPEN


def test_the_result_issued_then_returned_ends_the_plan_done_and_tells_the_issuer() -> None:
    plan, task = _one_task()
    plan.result_delivery = ResultDelivery.ONLINE

    asked = plan.approve(task.id, MONDAY, DEADLINES)
    released = plan.issue_result(task.id, "40.SXD", ResultKind.RESULT, EXTRACT, WEDNESDAY)
    returned = plan.return_result(ResultDelivery.ONLINE, FRIDAY, FRIDAY)

    assert [type(e) for e in asked] == [ResultAsked], "still processing at 40.SXD: nothing to announce"
    assert [(e.status, e.result, e.result_delivery) for e in released if isinstance(e, StatusChanged)] == [
        (DossierStatus.RELEASING, EXTRACT, ResultDelivery.ONLINE)
    ]
    told = [e for e in returned if isinstance(e, ReturnAnnounced)]
    assert [(e.unit_code, e.due_at, e.returned_at) for e in told] == [("40.SXD", plan.due_at, FRIDAY)]
    assert _statuses(returned) == [DossierStatus.DONE]
    with pytest.raises(PlanRejectedError):
        plan.return_result(ResultDelivery.ONLINE, FRIDAY, FRIDAY)


def test_a_status_change_is_announced_only_when_the_status_or_the_handling_units_change() -> None:
    assess, decide = _task("assess", 0, "40.SXD"), _task("decide", 1, "40.SXD")
    plan = _plan(assess, decide)
    started = plan.start(MONDAY, DEADLINES)

    returned = plan.return_task(assess.id, "not ours", MONDAY, DEADLINES)  # no other unit: back to 40.SXD
    again = next(t for t in plan.tasks if t.replaces == assess.id)
    next_stage = plan.approve(again.id, MONDAY, DEADLINES)
    asked = plan.approve(decide.id, WEDNESDAY, DEADLINES)
    released = plan.issue_result(decide.id, "40.SXD", ResultKind.RESULT, EXTRACT, WEDNESDAY)

    announced = [
        (e.status, e.handling_unit)
        for e in [*started, *returned, *next_stage, *asked, *released]
        if isinstance(e, StatusChanged)
    ]
    assert announced == [
        (DossierStatus.RECEIVING, "000.00.15.H40"),
        (DossierStatus.PROCESSING, "40.SXD"),
        (DossierStatus.RELEASING, "000.00.15.H40"),
    ]
    assert [type(e).__name__ for e in [*returned, *next_stage, *asked]] == ["Assigned", "Assigned", "ResultAsked"]


def test_a_result_asked_of_one_of_several_units_says_which_unit_holds_the_dossier() -> None:
    residence, card = _task("register-residence", 0, "40001.CA"), _task("issue-card", 0, "40.BHXH")
    plan = _plan(residence, card)
    plan.start(MONDAY, DEADLINES)
    plan.approve(residence.id, MONDAY, DEADLINES)

    asked = plan.approve(card.id, MONDAY, DEADLINES)

    assert [(e.status, e.handling_unit) for e in asked if isinstance(e, StatusChanged)] == [
        (DossierStatus.PROCESSING, "40.BHXH")
    ], "processing at both units, now at the one that issues"


def test_the_last_stage_is_finished_once_its_result_is_asked_for() -> None:
    assess, decide = _task("assess", 0, "40.SXD"), _task("decide", 1, "40.STNMT")
    plan = _plan(assess, decide)
    plan.start(MONDAY, DEADLINES)
    first = [plan.stage_state(0), plan.stage_state(1)]
    plan.approve(assess.id, MONDAY, DEADLINES)
    second = [plan.stage_state(0), plan.stage_state(1)]

    plan.approve(decide.id, WEDNESDAY, DEADLINES)
    asked = [plan.stage_state(0), plan.stage_state(1)]
    plan.issue_result(decide.id, "40.STNMT", ResultKind.RESULT, EXTRACT, WEDNESDAY)

    assert first == ["current", "pending"]
    assert second == ["finished", "current"]
    assert asked == ["finished", "finished"], "the units decided: the result is the issuing unit's, not a stage's"
    assert (plan.status, [plan.stage_state(0), plan.stage_state(1)]) == (
        DossierStatus.RELEASING,
        ["finished", "finished"],
    )


def test_an_identity_refused_after_the_units_decided_changes_no_status() -> None:
    plan, task = _one_task()
    plan.approve(task.id, MONDAY, DEADLINES)

    effects = plan.change_identity(IdentityStatus.FAILED, IdentityDecision.REFUSED, 1, "not the applicant", MONDAY)

    assert effects == []
    assert plan.status is DossierStatus.PROCESSING


def test_an_identity_refused_before_decides_still_denies_without_a_letter() -> None:
    plan, _ = _one_task()

    effects = plan.change_identity(IdentityStatus.FAILED, IdentityDecision.REFUSED, 1, "not the applicant", MONDAY)

    assert _statuses(effects) == [DossierStatus.DENIED]
    assert not [e for e in effects if isinstance(e, ResultAsked)]


def _filed() -> DossierPlan:
    procedure = catalogue().find("1.001193")
    assert procedure is not None
    return DossierPlan.filed(
        procedure,
        dossier_id=uuid4(),
        dossier_code="000.01.15.H40-261123-0001",
        receiving_agency="000.01.15.H40",
        filed_at=MONDAY,
        due_if_complete=DEADLINES.dossier_due(MONDAY, 1, "15:00"),
        catalogue_version="test",
        documents=(document("form"),),
        portal_dossier_id=None,
    )


@pytest.mark.parametrize("not_accepted", [False, True])
def test_a_dossier_not_received_yet_or_not_accepted_keeps_its_due_date_when_the_calendar_changes(
    not_accepted: bool,
) -> None:
    filed = _filed()
    filed.announce_filing(("certificate",))
    if not_accepted:
        filed.not_accept("unsigned", MONDAY)

    assert filed.reproject(lambda _start, due: due.replace(day=due.day + 1), "closure", MONDAY) == []


def test_a_filing_is_announced_once() -> None:
    filed = _filed()
    filed.announce_filing(("certificate",))

    with pytest.raises(PlanRejectedError):
        filed.announce_filing(("certificate",))


def test_a_plan_in_the_middle_of_its_journey_survives_its_round_trip_through_the_stored_json() -> None:
    plan, task = _one_task()
    plan.request_payment(task.id, LEVY, "pause", MONDAY)
    plan.paid(RECEIPT, TUESDAY, DEADLINES)
    plan.approve(task.id, WEDNESDAY, DEADLINES)
    plan.issue_result(task.id, "40.SXD", ResultKind.RESULT, EXTRACT, WEDNESDAY)
    adapter = TypeAdapter(DossierPlan)

    assert adapter.validate_json(adapter.dump_json(plan)) == plan


def test_a_task_left_waiting_by_a_plan_stored_before_waits_had_kinds_resumes_on_the_supplement() -> None:
    plan, task = _one_task()
    due = task.due_at
    assert due is not None
    plan.request_supplement(task.id, ("drawings",), MONDAY)
    adapter = TypeAdapter(DossierPlan)
    stored = adapter.dump_python(plan, mode="json")
    for old in ("filed_at", "documents", "result_delivery", "result_request", "result"):
        del stored[old]
    del stored["tasks"][0]["waiting"]
    older = adapter.validate_python(stored)

    effects = older.supplement(FRIDAY, DEADLINES, (document("drawings"),))

    assert [e.task_id for e in effects if isinstance(e, Resumed)] == [task.id]
    assert _statuses(effects) == [DossierStatus.PROCESSING]
    assert older.tasks[0].due_at == DEADLINES.extend(due, DEADLINES.paused_days(MONDAY, FRIDAY))
