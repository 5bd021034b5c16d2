"""Property: whatever order task outcomes, payments and results arrive in, a plan ends in exactly one final state."""

from datetime import datetime, timedelta
from itertools import pairwise
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from services.routing.domain.deadlines import Deadlines
from services.routing.domain.plan import (
    Assigned,
    Cancelled,
    DossierPlan,
    Effect,
    PlanTask,
    ResultAsked,
    Routing,
    StatusChanged,
    TaskState,
)
from shared.contracts import DocumentRef, DossierStatus, MediaType, PaymentDue, ResultDelivery
from shared.reference.calendar import default_calendar

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
DEADLINES = Deadlines(default_calendar(), HCM)
START = datetime(2026, 2, 10, 9, 0, tzinfo=HCM)  # just before Tết 2026

shapes = st.lists(st.lists(st.integers(min_value=0, max_value=2), min_size=1, max_size=3), min_size=1, max_size=3)


def _plan(shape: list[list[int]], supplement_once: bool) -> DossierPlan:
    tasks = [
        PlanTask(
            id=uuid4(),
            key=f"s{stage}-t{index}",
            name_vi="việc",
            name_en="task",
            stage=stage,
            working_days=1,
            routing=Routing(f"unit-{stage}-{index}", "commune:VP", None, "test"),
            alternatives=[Routing(f"alt-{stage}-{index}-{n}", "province:VPUBND", None, "alt") for n in range(alts)],
        )
        for stage, alternatives_per_task in enumerate(shape)
        for index, alts in enumerate(alternatives_per_task)
    ]
    return DossierPlan(
        dossier_id=uuid4(),
        dossier_code="000.00.15.H40-260210-0001",
        procedure_code="1.000001",
        catalogue_version="test",
        rules_version="test",
        receiving_agency="000.00.15.H40",
        received_at=START,
        due_at=DEADLINES.dossier_due(START, 10, None),
        working_days=10,
        cutoff=None,
        on_supplement="pause",
        supplement_once=supplement_once,
        stage_count=len(shape),
        tasks=tasks,
    )


def _document(n: int) -> DocumentRef:
    return DocumentRef(
        document_id=UUID(int=n), name=f"{n}.pdf", media_type=MediaType.PDF, size=n + 1, sha256=f"{n:064x}"
    )


def _waiting_for(plan: DossierPlan, kind: str) -> bool:
    return any(t.state is TaskState.WAITING and t.waiting and t.waiting.kind == kind for t in plan.tasks)


def _actions(plan: DossierPlan) -> list[tuple[str, object]]:
    if plan.ended:
        return []
    if plan.status is DossierStatus.RELEASING:
        return [("hand-back", None)]
    if plan.result_request is not None:
        return [("issue", None)]
    actions: list[tuple[str, object]] = [("withdraw", None)]
    if _waiting_for(plan, "supplement"):
        actions.append(("supplement", None))
    if _waiting_for(plan, "payment"):
        actions.append(("pay", None))
    for task in plan.tasks:
        if task.state is TaskState.OPEN:
            actions += [("approve", task.id), ("refuse", task.id), ("supplement-request", task.id), ("return", task.id)]
            actions += [("payment-request", task.id)]
    return actions


def _apply(plan: DossierPlan, action: str, target: object, now: datetime) -> list[Effect]:
    match action:
        case "approve":
            return plan.approve(target, now, DEADLINES)  # type: ignore[arg-type]
        case "refuse":
            return plan.refuse(target, "refused", now)  # type: ignore[arg-type]
        case "supplement-request":
            return plan.request_supplement(target, ("paper",), now)  # type: ignore[arg-type]
        case "return":
            return plan.return_task(target, "not ours", now, DEADLINES)  # type: ignore[arg-type]
        case "supplement":
            return plan.supplement(now, DEADLINES, (_document(len(plan.documents) + 1),))
        case "payment-request":
            clock = "pause" if len(plan.tasks) % 2 else "run"
            return plan.request_payment(target, PaymentDue(amount_vnd=1000, description="levy"), clock, now)  # type: ignore[arg-type]
        case "pay":
            return plan.paid(_document(len(plan.documents) + 1), now, DEADLINES)
        case "issue":
            request = plan.result_request
            assert request is not None
            document = _document(1000)
            return plan.issue_result(request.task_id, request.unit_code, request.kind, document, now)
        case "hand-back":
            return plan.return_result(ResultDelivery.COUNTER, now, now)
        case _:
            return plan.withdraw("changed my mind", now)


@settings(max_examples=300, deadline=None)
@given(shape=shapes, supplement_once=st.booleans(), data=st.data())
def test_any_order_of_outcomes_ends_in_one_final_state_with_no_task_open(
    shape: list[list[int]], supplement_once: bool, data: st.DataObject
) -> None:
    plan = _plan(shape, supplement_once)
    now = START
    effects: list[Effect] = plan.start(now, DEADLINES)
    for _ in range(data.draw(st.integers(min_value=0, max_value=30), label="steps")):
        actions = _actions(plan)
        if not actions:
            break
        action, target = data.draw(st.sampled_from(actions), label="action")
        now += timedelta(hours=data.draw(st.integers(min_value=0, max_value=60), label="hours later"))
        effects += _apply(plan, action, target, now)
    while not plan.status.is_final:  # everyone still involved says yes, hands in, pays, issues, hands back
        for action in ("supplement", "pay", "issue", "hand-back"):
            if (action, None) in _actions(plan):
                effects += _apply(plan, action, None, now)
        for task in [t for t in plan.tasks if t.state is TaskState.OPEN]:
            if task.state is TaskState.OPEN and not plan.status.is_final:
                effects += plan.approve(task.id, now, DEADLINES)

    finals = [e for e in effects if isinstance(e, StatusChanged) and e.status.is_final]
    assert len(finals) == 1
    assert finals[0].status is plan.status
    assert effects.index(finals[0]) == len(effects) - 1, "nothing happens after the final status"
    assert not [t for t in plan.tasks if t.state in (TaskState.PENDING, TaskState.OPEN, TaskState.WAITING)]
    assigned = {e.task_id for e in effects if isinstance(e, Assigned)}
    cancelled = {e.task_id for e in effects if isinstance(e, Cancelled)}
    decided = {t.id for t in plan.tasks if t.state in (TaskState.APPROVED, TaskState.REFUSED, TaskState.RETURNED)}
    assert assigned == decided | cancelled, "every assigned task is decided or cancelled, never both, never neither"
    assert not decided & cancelled
    if plan.status is DossierStatus.DONE:
        assert all(t.state in (TaskState.APPROVED, TaskState.RETURNED) for t in plan.tasks)
    asked = [e for e in effects if isinstance(e, ResultAsked)]
    assert len(asked) == (0 if plan.status is DossierStatus.CANCELLED else 1), "one result or refusal letter asked"
    numbers = [e.sequence for e in effects]
    assert numbers == list(range(1, len(effects) + 1)), "every effect numbered one more than the last"
    told = [(e.status, e.handling_unit) for e in effects if isinstance(e, StatusChanged)]
    assert all(a != b for a, b in pairwise(told)), f"a status change repeats the last: {told}"


@settings(max_examples=200, deadline=None)
@given(shape=shapes, data=st.data())
def test_a_stage_starts_only_when_every_task_of_the_previous_stage_approved(
    shape: list[list[int]], data: st.DataObject
) -> None:
    plan = _plan(shape, supplement_once=False)
    effects = plan.start(START, DEADLINES)
    approved: set[str] = set()
    while plan.result_request is None:
        for effect in effects:
            if isinstance(effect, Assigned) and effect.stage > 0:
                previous = {t.key for t in plan.tasks if t.stage == effect.stage - 1}
                assert previous <= approved
        open_tasks = [t for t in plan.tasks if t.state is TaskState.OPEN]
        task = data.draw(st.sampled_from(open_tasks), label="next approval")
        effects = plan.approve(task.id, START, DEADLINES)
        approved.add(task.key)
    assert plan.status is DossierStatus.PROCESSING
    assert approved == {t.key for t in plan.tasks}
