"""The identity gate: the applicant's identity travels intake → routing → department, newer states only,
and the last stage is not approved while it is failed or pending unless a receiver confirmed it."""

from datetime import timedelta
from uuid import UUID

import pytest

from services.department import handlers as department_handlers
from services.department import routing_orders
from services.department.domain.identity_gate import IdentityGateError, check_identity_gate
from services.intake.domain.identity import RegistryAnswer, RegistryUnreachable
from services.intake.domain.identity_decision import (
    Decision,
    Evidence,
    EvidenceKind,
    IdentityDecisionError,
    IncompleteDecisionError,
)
from services.intake.identity.changes import DecideIdentity, decide_identity
from services.intake.identity.rechecker import IdentityRechecker
from services.routing import handlers as routing_handlers
from shared.contracts import (
    DossierIdentity,
    DossierIdentityChanged,
    DossierStatus,
    IdentityDecision,
    IdentityStatus,
    TaskAssigned,
    TaskCancelled,
    TaskIdentityChanged,
)
from tests.support.dossiers import BIRTH_GROUP_IN_QUYNH_LUU
from tests.support.routing_harness import MONDAY, Routing, approved, assigned, last_status, submission
from tests.unit.test_department_use_cases import APPROVER, Department, assignment
from tests.unit.test_intake_use_cases import Intake

FAILED = RegistryAnswer(found=False, match=False)
CONFIRMED = Decision(IdentityDecision.CONFIRMED, Evidence(EvidenceKind.PASSPORT, "0123"))
WHY = "Người nộp không xuất trình được giấy tờ tùy thân"
REFUSED = Decision(IdentityDecision.REFUSED, reason=WHY)


# The rule


@pytest.mark.parametrize(
    ("final_stage", "status", "decision", "blocked"),
    [
        (True, "failed", None, True),
        (True, "pending", None, True),
        (True, "failed", "refused", True),
        (True, "failed", "confirmed", False),
        (True, "pending", "confirmed", False),
        (True, "verified", None, False),
        (True, "unchecked", None, False),
        (False, "failed", None, False),
        (False, "pending", None, False),
    ],
)
def test_only_the_last_stage_waits_for_an_unsettled_identity_until_a_receiver_confirms(
    final_stage: bool, status: str, decision: str | None, blocked: bool
) -> None:
    identity = DossierIdentity(
        status=IdentityStatus(status), decision=IdentityDecision(decision) if decision else None, version=1
    )

    if final_stage:
        assert identity.blocks_final_approval is blocked
    if blocked:
        with pytest.raises(IdentityGateError) as refused:
            check_identity_gate(final_stage=final_stage, status=status, decision=decision)
        assert refused.value.field == "identity"
    else:
        check_identity_gate(final_stage=final_stage, status=status, decision=decision)


# Intake: the state is numbered and announced


async def test_a_recheck_that_settles_a_pending_identity_announces_the_next_state() -> None:
    intake = Intake(answer=RegistryUnreachable("timeout"))
    code = await intake.received_code()
    rechecker = IdentityRechecker(intake.database.unit_of_work, intake.checker, batch=10, lease_seconds=30)
    intake.registry.answer = FAILED
    intake.database.now += timedelta(hours=2)

    await rechecker.recheck()

    row = intake.store.by_code(code)
    assert intake.events[-1] == DossierIdentityChanged(
        dossier_id=row["id"],
        dossier_code=code,
        identity=DossierIdentity(status=IdentityStatus.FAILED, version=2),
        changed_at=intake.database.now,
    )
    assert intake.database.journal.entries[-1].action == "identity checked"


async def test_a_receivers_confirmation_is_stored_announced_and_journalled_without_personal_data() -> None:
    intake = Intake(answer=FAILED)
    code = await intake.received_code()

    async with intake.database.unit_of_work() as uow:
        await decide_identity(uow, DecideIdentity(code, CONFIRMED, "receiver-1"))

    row = intake.store.by_code(code)
    assert (row["identity_status"], row["identity_decision"], row["identity_version"]) == ("failed", "confirmed", 2)
    assert intake.events[-1] == DossierIdentityChanged(
        dossier_id=row["id"],
        dossier_code=code,
        identity=DossierIdentity(status=IdentityStatus.FAILED, decision=IdentityDecision.CONFIRMED, version=2),
        changed_at=intake.database.now,
    )
    entry = intake.database.journal.entries[-1]
    assert (entry.action, entry.actor) == ("identity decided", "clerk:receiver-1")
    assert {k: entry.details[k] for k in ("decision", "evidence_kind", "evidence_last4")} == {
        "decision": "confirmed",
        "evidence_kind": "passport",
        "evidence_last4": "0123",
    }
    assert row["applicant"].citizen_id not in str(entry.details)
    assert intake.store.notes(code)[-1] == "identity confirmed by the receiving clerk (passport seen)"


async def test_a_refusal_carries_its_reason_to_routing_but_not_to_the_journal() -> None:
    intake = Intake(answer=FAILED)
    code = await intake.received_code()

    async with intake.database.unit_of_work() as uow:
        await decide_identity(uow, DecideIdentity(code, REFUSED, "receiver-1"))

    event = intake.events[-1]
    assert isinstance(event, DossierIdentityChanged)
    assert (event.identity.decision, event.reason) == (IdentityDecision.REFUSED, WHY)
    assert WHY not in str(intake.database.journal.entries[-1].details)
    assert intake.store.by_code(code)["identity_next_check_at"] is None


@pytest.mark.parametrize(
    ("answer", "decisions", "field"),
    [
        (RegistryAnswer(found=True, match=True), [CONFIRMED], "identity"),
        (FAILED, [CONFIRMED, REFUSED], "identity"),
        (FAILED, [Decision(IdentityDecision.CONFIRMED)], "evidence"),
        (FAILED, [Decision(IdentityDecision.REFUSED, reason="  ")], "reason"),
    ],
)
async def test_a_decision_is_taken_once_on_an_unsettled_identity_and_says_what_it_must(
    answer: RegistryAnswer, decisions: list[Decision], field: str
) -> None:
    intake = Intake(answer=answer)
    code = await intake.received_code()
    *first, last = decisions
    for decision in first:
        async with intake.database.unit_of_work() as uow:
            await decide_identity(uow, DecideIdentity(code, decision, "receiver-1"))
    before = list(intake.events)

    with pytest.raises(IdentityDecisionError) as refused:
        async with intake.database.unit_of_work() as uow:
            await decide_identity(uow, DecideIdentity(code, last, "receiver-1"))

    assert refused.value.field == field
    assert isinstance(refused.value, IncompleteDecisionError) is (field in ("evidence", "reason"))
    assert intake.events == before


async def test_no_decision_on_a_finished_dossier() -> None:
    intake = Intake(answer=FAILED)
    code = await intake.received_code()
    await intake.status_changes_to(code, DossierStatus.CANCELLED)

    with pytest.raises(IdentityDecisionError) as refused:
        async with intake.database.unit_of_work() as uow:
            await decide_identity(uow, DecideIdentity(code, CONFIRMED, "receiver-1"))

    assert refused.value.field == "status"


# Routing: newer states are forwarded to the open tasks; a refusal denies the dossier


def _identity_changed(
    submitted_id: UUID, code: str, version: int, decision: IdentityDecision | None = None
) -> DossierIdentityChanged:
    return DossierIdentityChanged(
        dossier_id=submitted_id,
        dossier_code=code,
        identity=DossierIdentity(status=IdentityStatus.FAILED, decision=decision, version=version),
        reason="không xuất trình được giấy tờ" if decision is IdentityDecision.REFUSED else None,
        changed_at=MONDAY,
    )


async def test_routing_tells_the_last_stage_and_the_identity_with_each_assignment() -> None:
    routing = Routing()
    failed = DossierIdentity(status=IdentityStatus.FAILED, version=1)
    submitted = submission(BIRTH_GROUP_IN_QUYNH_LUU).model_copy(update={"identity": failed})

    planned = await routing.run(routing_handlers.plan_dossier, submitted)
    first = assigned(planned, "register-birth")
    opened = await routing.run(routing_handlers.task_completed, approved(first))

    assert (first.final_stage, first.identity) == (False, failed)
    later = [e for e in opened if isinstance(e, TaskAssigned)]
    assert later
    assert all(e.final_stage and e.identity == failed for e in later)


async def test_routing_forwards_only_a_newer_identity_to_each_open_task() -> None:
    routing = Routing()
    submitted, planned = await routing.submit(BIRTH_GROUP_IN_QUYNH_LUU)
    open_tasks = {e.task_id for e in planned if isinstance(e, TaskAssigned)}
    newer = _identity_changed(submitted.dossier_id, submitted.dossier_code, 2, IdentityDecision.CONFIRMED)

    forwarded = await routing.run(routing_handlers.identity_changed, newer)
    replayed = await routing.run(routing_handlers.identity_changed, newer)
    older = await routing.run(
        routing_handlers.identity_changed, _identity_changed(submitted.dossier_id, submitted.dossier_code, 1)
    )

    assert {e.task_id for e in forwarded if isinstance(e, TaskIdentityChanged)} == open_tasks
    assert all(isinstance(e, TaskIdentityChanged) and e.identity == newer.identity for e in forwarded)
    assert replayed == older == []
    assert routing.store.plans[submitted.dossier_id].identity_version == 2


async def test_a_refused_identity_denies_the_dossier_and_cancels_its_open_tasks() -> None:
    routing = Routing()
    submitted, planned = await routing.submit(BIRTH_GROUP_IN_QUYNH_LUU)
    refused = _identity_changed(submitted.dossier_id, submitted.dossier_code, 2, IdentityDecision.REFUSED)

    events = await routing.run(routing_handlers.identity_changed, refused)

    assert {e.task_id for e in events if isinstance(e, TaskCancelled)} == {
        e.task_id for e in planned if isinstance(e, TaskAssigned)
    }
    assert (last_status(events).status, last_status(events).reason) == (DossierStatus.DENIED, refused.reason)


# Department: the task holds the newest state; the last stage's approval is gated on it


def _final(identity: DossierIdentity) -> TaskAssigned:
    return assignment().model_copy(update={"final_stage": True, "identity": identity})


def _told(assigned: TaskAssigned, identity: DossierIdentity, sequence: int) -> TaskIdentityChanged:
    return TaskIdentityChanged(
        dossier_id=assigned.dossier_id,
        dossier_code=assigned.dossier_code,
        sequence=sequence,
        task_id=assigned.task_id,
        unit_code=assigned.unit_code,
        identity=identity,
        changed_at=MONDAY,
    )


async def test_the_last_stage_is_approved_only_once_the_receiver_confirmed() -> None:
    department = Department()
    assigned = _final(DossierIdentity(status=IdentityStatus.FAILED, version=1))
    await department.assign(assigned)

    with pytest.raises(IdentityGateError):
        await department.act(APPROVER, department_handlers.Approve())
    assert department.published == []
    assert department.task["status"] == "open"

    confirmed = DossierIdentity(status=IdentityStatus.FAILED, decision=IdentityDecision.CONFIRMED, version=2)
    await routing_orders.take_identity(department.work(), _told(assigned, confirmed, 5))
    assert department.last_change["action"] == "identity-changed"
    await department.act(APPROVER, department_handlers.Approve())

    assert department.task["status"] == "approved"


async def test_a_task_keeps_the_newest_identity_whatever_order_the_states_come_in() -> None:
    department = Department()
    assigned = _final(DossierIdentity(status=IdentityStatus.PENDING, version=1))
    await department.assign(assigned)
    confirmed = DossierIdentity(status=IdentityStatus.PENDING, decision=IdentityDecision.CONFIRMED, version=3)
    failed = DossierIdentity(status=IdentityStatus.FAILED, version=2)

    await routing_orders.take_identity(department.work(), _told(assigned, confirmed, 6))
    version = department.task["version"]
    await routing_orders.take_identity(department.work(), _told(assigned, failed, 7))  # newer order, older state
    await routing_orders.take_identity(department.work(), _told(assigned, confirmed, 6))  # a redelivery

    task = department.task
    assert (task["identity_status"], task["identity_decision"], task["identity_version"]) == ("pending", "confirmed", 3)
    assert task["version"] == version


async def test_a_task_of_an_earlier_stage_is_approved_whatever_the_identity() -> None:
    department = Department()
    failed = DossierIdentity(status=IdentityStatus.FAILED, version=1)
    await department.assign(assignment().model_copy(update={"identity": failed}))

    await department.act(APPROVER, department_handlers.Approve())

    assert department.task["status"] == "approved"
