"""Routing's use cases around the handling, through a fake store: filed, not accepted, paying, result, returned."""

from datetime import timedelta
from typing import Any

import pytest

from services.routing import handlers, journey
from services.routing.api import plan_view
from services.routing.domain.plan import PlanViolationError
from shared.contracts import (
    DocumentRole,
    DossierFiled,
    DossierNotAccepted,
    DossierPaid,
    DossierResultReturned,
    DossierStatus,
    DossierStatusChanged,
    DossierSubmitted,
    DossierWithdrawn,
    Event,
    PaymentDue,
    ResultDelivery,
    ResultIssued,
    ResultKind,
    ResultRequested,
    ResultReturned,
    TaskAssigned,
    TaskOutcome,
    TaskPaymentRequested,
    TaskResumed,
)
from shared.contracts.events import SequencedEvent
from shared.kernel.failures import Failure, classify
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, LAND_IN_QUYNH_LUU
from tests.support.routing_harness import (
    FRIDAY,
    MONDAY,
    Routing,
    about,
    approved,
    assigned,
    completed,
    document,
    filing,
    last_status,
    submission,
    told,
)

FORM = document("birth registration form")
HOSPITAL = document("hospital birth certificate")
LEVY = PaymentDue(amount_vnd=2_500_000, description="Land use levy")
RECEIPT = document("land use levy receipt", DocumentRole.PAYMENT_RECEIPT)
EXTRACT = document("birth registration extract", DocumentRole.RESULT)
LETTER = document("refusal letter", DocumentRole.REFUSAL)


def _filing(submitted: DossierSubmitted, *missing: str) -> DossierFiled:
    return filing(submitted, MONDAY - timedelta(hours=1), (FORM,), *missing)


def _numbers(events: list[Event]) -> list[int | None]:
    return [e.sequence for e in events if isinstance(e, SequencedEvent)]


def _statuses(events: list[Event]) -> list[DossierStatusChanged]:
    return [e for e in events if isinstance(e, DossierStatusChanged)]


def _issued(asked: ResultRequested, kind: ResultKind | None = None, unit: str | None = None) -> ResultIssued:
    return ResultIssued(
        dossier_id=asked.dossier_id,
        dossier_code=asked.dossier_code,
        task_id=asked.task_id,
        unit_code=unit or asked.unit_code,
        kind=kind or asked.kind,
        document=EXTRACT if asked.kind is ResultKind.RESULT else LETTER,
        signer="CN=UBND xã Quỳnh Lưu",
        issued_at=MONDAY,
    )


def _returned(submitted: DossierSubmitted, way: ResultDelivery = ResultDelivery.COUNTER) -> DossierResultReturned:
    return DossierResultReturned(
        dossier_id=submitted.dossier_id,
        dossier_code=submitted.dossier_code,
        way=way,
        returned_by="clerk:receiver-1",
        returned_at=FRIDAY,
    )


async def _filed_then_submitted(routing: Routing, sample: dict[str, Any]) -> tuple[DossierSubmitted, list[Event]]:
    """A dossier filed without the hospital certificate, then submitted with it; every event emitted."""
    submitted = submission(sample).model_copy(
        update={"documents": (FORM, HOSPITAL), "result_delivery": ResultDelivery.POST}
    )
    filed = await routing.run(journey.record_filing, _filing(submitted, "hospital birth certificate"))
    planned = await routing.run(handlers.plan_dossier, submitted)
    return submitted, [*filed, *planned]


async def _result_requested(routing: Routing) -> tuple[DossierSubmitted, ResultRequested]:
    """A birth registered at the commune office: its result asked of the office."""
    submitted, events = await _filed_then_submitted(routing, BIRTH_IN_QUYNH_LUU)
    decided = await routing.run(handlers.task_completed, approved(assigned(events, "register-birth")))
    asked = next(e for e in decided if isinstance(e, ResultRequested))
    return submitted, asked


async def _released(routing: Routing) -> tuple[DossierSubmitted, ResultRequested]:
    submitted, asked = await _result_requested(routing)
    await routing.run(journey.result_issued, _issued(asked))
    return submitted, asked


# -- filed, submitted, not accepted ----------------------------------------------------------


async def test_a_dossier_filed_incomplete_is_new_with_what_is_missing_and_nothing_is_routed() -> None:
    routing = Routing()
    submitted = submission(BIRTH_IN_QUYNH_LUU)

    events = await routing.run(journey.record_filing, _filing(submitted, "hospital birth certificate"))

    assert told(events) == ["status new"]
    new = last_status(events)
    assert (new.sequence, new.previous_status, new.missing) == (1, None, ("hospital birth certificate",))
    assert new.receiving_agency == "000.01.15.H40"
    assert new.status.portal_code == 1
    plan = routing.store.plans[submitted.dossier_id]
    assert (plan.status, plan.tasks, plan.documents) == (DossierStatus.NEW, [], [FORM])


async def test_the_submission_of_a_filed_dossier_continues_its_numbers_and_documents() -> None:
    routing = Routing()

    submitted, events = await _filed_then_submitted(routing, BIRTH_IN_QUYNH_LUU)

    assert told(events) == [
        "status new",
        "status receiving",
        "assigned register-birth to 17179.VP",
        "status processing",
    ]
    assert _numbers(events) == [1, 2, 3, 4]
    assert [s.status.portal_code for s in _statuses(events)] == [1, 2, 4]
    assert _statuses(events)[1].previous_status is DossierStatus.NEW
    assert assigned(events, "register-birth").documents == (FORM, HOSPITAL), "every document of the dossier so far"
    assert {s.receiving_agency for s in _statuses(events)} == {"000.01.15.H40"}
    plan = routing.store.plans[submitted.dossier_id]
    assert (plan.received_at, plan.due_at) == (submitted.received_at, submitted.due_at), "counted from submission"
    assert plan.result_delivery is ResultDelivery.POST


async def test_a_dossier_submitted_complete_at_once_starts_received_with_no_status_before() -> None:
    routing = Routing()

    _submitted, events = await routing.submit(BIRTH_IN_QUYNH_LUU)

    assert _statuses(events)[0].previous_status is None
    assert _numbers(events) == [1, 2, 3]


async def test_a_filed_dossier_not_accepted_is_unresolved_and_nothing_follows() -> None:
    routing = Routing()
    submitted = submission(BIRTH_IN_QUYNH_LUU)
    await routing.run(journey.record_filing, _filing(submitted, "hospital birth certificate"))
    refusal = DossierNotAccepted(
        dossier_id=submitted.dossier_id,
        dossier_code=submitted.dossier_code,
        reason="the form is not signed",
        refused_by="clerk:receiver-1",
        refused_at=MONDAY,
    )

    events = await routing.run(journey.not_accepted, refusal)
    late = await routing.run(handlers.plan_dossier, submitted)
    again = await routing.run(journey.not_accepted, refusal)

    assert told(events) == ["status unresolved"]
    unresolved = last_status(events)
    assert (unresolved.status.portal_code, unresolved.reason, unresolved.sequence) == (3, "the form is not signed", 2)
    assert (late, again) == ([], [])
    assert routing.store.plans[submitted.dossier_id].status is DossierStatus.UNRESOLVED
    assert routing.store.actions(submitted.dossier_id)[-2:] == ["ignored", "ignored"]


async def test_not_accepting_a_dossier_already_submitted_is_refused_for_the_dead_letters() -> None:
    routing = Routing()
    submitted, _events = await _filed_then_submitted(routing, BIRTH_IN_QUYNH_LUU)
    refusal = DossierNotAccepted(
        dossier_id=submitted.dossier_id,
        dossier_code=submitted.dossier_code,
        reason="too late",
        refused_by="clerk:receiver-1",
        refused_at=MONDAY,
    )

    with pytest.raises(PlanViolationError, match="only a new dossier") as raised:
        await routing.run(journey.not_accepted, refusal)

    assert classify(raised.value) is Failure.FINAL
    assert routing.store.plans[submitted.dossier_id].status is DossierStatus.PROCESSING


async def test_a_filed_dossier_withdrawn_is_cancelled() -> None:
    routing = Routing()
    submitted = submission(BIRTH_IN_QUYNH_LUU)
    await routing.run(journey.record_filing, _filing(submitted, "hospital birth certificate"))
    withdrawn = DossierWithdrawn(
        dossier_id=submitted.dossier_id, dossier_code=submitted.dossier_code, reason="filed twice", withdrawn_at=MONDAY
    )

    events = await routing.run(handlers.dossier_withdrawn, withdrawn)

    assert told(events) == ["status cancelled"]
    assert last_status(events).sequence == 2


async def test_a_filing_told_again_records_nothing() -> None:
    routing = Routing()
    submitted = submission(BIRTH_IN_QUYNH_LUU)
    filing = _filing(submitted, "hospital birth certificate")
    await routing.run(journey.record_filing, filing)

    assert await routing.run(journey.record_filing, filing) == []
    assert routing.store.plans[submitted.dossier_id].sequence == 1


# -- paying ----------------------------------------------------------------------------------


def _payment_requested(task: TaskAssigned) -> TaskPaymentRequested:
    return TaskPaymentRequested(**about(task), payment=LEVY, requested_by="clerk", requested_at=MONDAY)


def _paid(submitted: DossierSubmitted) -> DossierPaid:
    return DossierPaid(
        dossier_id=submitted.dossier_id,
        dossier_code=submitted.dossier_code,
        payment_id=RECEIPT.document_id,
        amount_vnd=LEVY.amount_vnd,
        receipt=RECEIPT,
        paid_at=FRIDAY,
    )


async def test_a_financial_obligation_makes_the_dossier_pay_with_its_clock_stopped() -> None:
    routing = Routing()
    submitted, planned = await routing.submit(LAND_IN_QUYNH_LUU)

    events = await routing.run(journey.payment_requested, _payment_requested(assigned(planned, "confirm-land-use")))

    assert told(events) == ["status paying"]
    paying = last_status(events)
    assert (paying.status.portal_code, paying.payment, paying.handling_unit) == (6, LEVY, "17179.KT")
    plan = routing.store.plans[submitted.dossier_id]
    assert plan.paused_at == MONDAY, "the land procedure stops the clock until paid"


async def test_paid_resumes_the_task_with_the_receipt_and_moves_the_due_dates_by_the_days_paying() -> None:
    routing = Routing()
    submitted, planned = await routing.submit(LAND_IN_QUYNH_LUU)
    confirm = assigned(planned, "confirm-land-use")
    await routing.run(journey.payment_requested, _payment_requested(confirm))

    events = await routing.run(journey.dossier_paid, _paid(submitted), at=FRIDAY)

    assert told(events) == ["resumed at 17179.KT", "status processing"]
    resumed = events[0]
    assert isinstance(resumed, TaskResumed)
    waited = handlers.deadlines().paused_days(MONDAY, FRIDAY)
    assert resumed.due_at == handlers.deadlines().extend(confirm.due_at, waited)
    assert resumed.documents == (RECEIPT,), "only what was handed in since the task waited"
    assert last_status(events).due_at == handlers.deadlines().extend(submitted.due_at, waited)
    plan = routing.store.plans[submitted.dossier_id]
    assert (plan.paused_at, plan.documents[-1]) == (None, RECEIPT)


async def test_a_payment_told_again_changes_nothing() -> None:
    routing = Routing()
    submitted, planned = await routing.submit(LAND_IN_QUYNH_LUU)
    await routing.run(journey.payment_requested, _payment_requested(assigned(planned, "confirm-land-use")))
    await routing.run(journey.dossier_paid, _paid(submitted), at=FRIDAY)
    before = routing.store.plans[submitted.dossier_id]

    assert await routing.run(journey.dossier_paid, _paid(submitted), at=FRIDAY) == []
    after = routing.store.plans[submitted.dossier_id]
    assert (after.sequence, after.documents, after.due_at) == (before.sequence, before.documents, before.due_at)


async def test_a_financial_obligation_of_a_procedure_without_one_is_refused_for_the_dead_letters() -> None:
    routing = Routing()
    submitted, planned = await routing.submit(BIRTH_IN_QUYNH_LUU)

    with pytest.raises(PlanViolationError, match="no financial obligation") as raised:
        await routing.run(journey.payment_requested, _payment_requested(assigned(planned, "register-birth")))

    assert classify(raised.value) is Failure.FINAL
    assert routing.store.plans[submitted.dossier_id].status is DossierStatus.PROCESSING


# -- the result ------------------------------------------------------------------------------


async def test_the_last_approval_asks_the_approving_unit_for_the_result() -> None:
    routing = Routing()

    submitted, asked = await _result_requested(routing)

    assert (asked.kind, asked.unit_code, asked.reason) == (ResultKind.RESULT, "17179.VP", None)
    assert (asked.applicant, asked.received_at, asked.due_at) == (
        submitted.applicant,
        submitted.received_at,
        submitted.due_at,
    )
    assert asked.procedure_code == submitted.procedure_code
    assert routing.store.plans[submitted.dossier_id].status is DossierStatus.PROCESSING


async def test_the_result_issued_releases_the_dossier_with_the_result_and_how_it_is_handed_back() -> None:
    routing = Routing()
    _submitted, asked = await _result_requested(routing)

    events = await routing.run(journey.result_issued, _issued(asked))

    assert told(events) == ["status releasing"]
    releasing = last_status(events)
    assert releasing.status.portal_code == 9
    assert (releasing.result, releasing.result_delivery) == (EXTRACT, ResultDelivery.POST)
    assert releasing.handling_unit == releasing.receiving_agency == "000.01.15.H40"


async def test_the_plan_shows_its_stage_finished_once_the_result_is_asked_for() -> None:
    routing = Routing()
    submitted, requested = await _result_requested(routing)
    asked = plan_view(routing.store.plans[submitted.dossier_id], [])
    await routing.run(journey.result_issued, _issued(requested))

    released = plan_view(routing.store.plans[submitted.dossier_id], [])
    assert (asked.status, [s.state for s in asked.stages]) == (DossierStatus.PROCESSING, ["finished"])
    assert (released.status, [s.state for s in released.stages]) == (DossierStatus.RELEASING, ["finished"])


async def test_the_result_returned_ends_the_dossier_done_and_tells_the_issuing_unit() -> None:
    routing = Routing()
    submitted, _asked = await _released(routing)

    events = await routing.run(journey.result_returned, _returned(submitted, ResultDelivery.POST), at=FRIDAY)

    assert told(events) == ["return told to 17179.VP", "status done"]
    told_unit = events[0]
    assert isinstance(told_unit, ResultReturned)
    assert (told_unit.way, told_unit.due_at, told_unit.returned_at) == (ResultDelivery.POST, submitted.due_at, FRIDAY)
    done = last_status(events)
    assert (done.status.portal_code, done.result, done.handling_unit) == (10, EXTRACT, "000.01.15.H40")


async def test_the_portal_hears_one_status_after_another_from_new_to_done() -> None:
    routing = Routing()
    submitted, events = await _filed_then_submitted(routing, BIRTH_IN_QUYNH_LUU)
    events += await routing.run(handlers.task_completed, approved(assigned(events, "register-birth")))
    asked = next(e for e in events if isinstance(e, ResultRequested))
    events += await routing.run(journey.result_issued, _issued(asked))
    events += await routing.run(journey.result_returned, _returned(submitted), at=FRIDAY)

    assert [s.status.portal_code for s in _statuses(events)] == [1, 2, 4, 9, 10], "asking for the result is no news"
    assert _numbers(events) == list(range(1, len(events) + 1))


async def test_a_refusal_asks_for_the_letter_and_the_letter_denies_the_dossier() -> None:
    routing = Routing()
    _submitted, planned = await routing.submit(BIRTH_IN_QUYNH_LUU)
    refused = completed(assigned(planned, "register-birth"), TaskOutcome.REFUSED, "the parents are not married")

    decided = await routing.run(handlers.task_completed, refused)
    asked = next(e for e in decided if isinstance(e, ResultRequested))
    events = await routing.run(journey.result_issued, _issued(asked))

    assert (asked.kind, asked.reason) == (ResultKind.REFUSAL, "the parents are not married")
    assert told(events) == ["status denied"]
    denied = last_status(events)
    assert (denied.status.portal_code, denied.result, denied.reason) == (8, LETTER, "the parents are not married")
    assert denied.result_delivery is None


async def test_a_result_issued_again_as_it_was_is_ignored() -> None:
    routing = Routing()
    submitted, asked = await _released(routing)

    assert await routing.run(journey.result_issued, _issued(asked)) == []
    assert routing.store.plans[submitted.dossier_id].status is DossierStatus.RELEASING
    assert routing.store.actions(submitted.dossier_id)[-1] == "ignored"


@pytest.mark.parametrize("wrong", ["kind", "unit", "another document"])
async def test_a_result_nobody_asked_for_is_refused_for_the_dead_letters(wrong: str) -> None:
    routing = Routing()
    submitted, asked = await _result_requested(routing)
    issued = _issued(asked)
    if wrong == "kind":
        issued = _issued(asked, kind=ResultKind.REFUSAL)
    elif wrong == "unit":
        issued = _issued(asked, unit="40.BHXH")
    else:
        await routing.run(journey.result_issued, issued)
        issued = issued.model_copy(update={"document": document("another extract", DocumentRole.RESULT)})
    sequence = routing.store.plans[submitted.dossier_id].sequence

    with pytest.raises(PlanViolationError) as raised:
        await routing.run(journey.result_issued, issued)

    assert classify(raised.value) is Failure.FINAL
    assert routing.store.plans[submitted.dossier_id].sequence == sequence


async def test_a_return_told_twice_is_ignored_the_second_time() -> None:
    routing = Routing()
    submitted, _asked = await _released(routing)
    await routing.run(journey.result_returned, _returned(submitted), at=FRIDAY)

    assert await routing.run(journey.result_returned, _returned(submitted), at=FRIDAY) == []
    assert routing.store.plans[submitted.dossier_id].status is DossierStatus.DONE


async def test_a_return_of_a_result_not_issued_is_refused_for_the_dead_letters() -> None:
    routing = Routing()
    submitted, _asked = await _result_requested(routing)

    with pytest.raises(PlanViolationError, match="only a result being released"):
        await routing.run(journey.result_returned, _returned(submitted), at=FRIDAY)

    assert routing.store.plans[submitted.dossier_id].status is DossierStatus.PROCESSING


async def test_a_withdrawal_once_the_units_decided_is_ignored() -> None:
    routing = Routing()
    submitted, _asked = await _result_requested(routing)
    withdrawn = DossierWithdrawn(
        dossier_id=submitted.dossier_id, dossier_code=submitted.dossier_code, reason="no", withdrawn_at=MONDAY
    )

    assert await routing.run(handlers.dossier_withdrawn, withdrawn) == []
    assert routing.store.plans[submitted.dossier_id].status is DossierStatus.PROCESSING
