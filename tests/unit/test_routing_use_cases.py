"""Routing's use cases through a fake store and a recording outbox: what each event publishes and keeps."""

import json
from collections.abc import Iterator

import pytest

from services.routing import handlers
from services.routing.adapters.delegation_rules import delegation_rules
from services.routing.adapters.postgres_store import PLAN_DOCUMENT
from services.routing.handlers import UnknownDossierError, UnknownProcedureError, deadlines
from shared.contracts import (
    DossierStatus,
    DossierSubmitted,
    DossierSupplemented,
    DossierWithdrawn,
    Event,
    ResultRequested,
    TaskAssigned,
    TaskExtended,
    TaskOutcome,
    TaskResumed,
    TaskReturned,
    TaskSupplementRequested,
)
from shared.contracts.events import SequencedEvent
from tests.support.dossiers import BIRTH_GROUP_IN_QUYNH_LUU, LAND_IN_QUYNH_LUU, LAND_IN_RACH_GIA
from tests.support.routing_harness import (
    FRIDAY,
    MONDAY,
    Routing,
    about,
    approved,
    assigned,
    completed,
    document,
    last_status,
    submission,
    told,
)


def _supplement_requested(task: TaskAssigned, *missing: str) -> TaskSupplementRequested:
    return TaskSupplementRequested(
        **about(task),
        missing=missing,
        requested_by="clerk",
        requested_at=MONDAY,
    )


def _supplemented(submitted: DossierSubmitted) -> DossierSupplemented:
    return DossierSupplemented(
        dossier_id=submitted.dossier_id,
        dossier_code=submitted.dossier_code,
        documents=(document("household book"),),
        supplemented_at=FRIDAY,
    )


def _withdrawn(submitted: DossierSubmitted) -> DossierWithdrawn:
    return DossierWithdrawn(
        dossier_id=submitted.dossier_id,
        dossier_code=submitted.dossier_code,
        reason="the family files another dossier",
        withdrawn_at=MONDAY,
    )


async def test_a_submitted_dossier_is_planned_and_its_first_stage_assigned() -> None:
    routing = Routing()

    submitted, events = await routing.submit(BIRTH_GROUP_IN_QUYNH_LUU)

    assert told(events) == ["status receiving", "assigned register-birth to 17179.VP", "status processing"]
    assert last_status(events).handling_unit == "17179.VP"
    assert last_status(events).applicant == submitted.applicant
    assert routing.status(submitted) is DossierStatus.PROCESSING
    assert routing.store.actions(submitted.dossier_id) == ["routed"] * 3
    assert routing.store.plans[submitted.dossier_id].audit == [], "the audit trail is kept beside the plan"


async def test_a_dossier_of_a_procedure_not_in_the_catalogue_raises_unknown_procedure_error() -> None:
    routing = Routing()

    with pytest.raises(UnknownProcedureError):
        await routing.run(
            handlers.plan_dossier,
            submission(BIRTH_GROUP_IN_QUYNH_LUU).model_copy(update={"procedure_code": "9.999999"}),
        )

    assert routing.store.plans == {}


async def test_an_approved_stage_opens_the_next_one_in_parallel() -> None:
    routing = Routing()

    submitted, events = await routing.birth_registered()

    assert told(events) == [
        "assigned register-residence to 17179.CA",
        "assigned issue-health-insurance to 40.BHXH",
        "status processing",
    ]
    assert last_status(events).handling_unit == "17179.CA, 40.BHXH"
    assert routing.status(submitted) is DossierStatus.PROCESSING


async def test_approving_the_last_task_asks_its_unit_for_the_result_and_the_dossier_stays_processing() -> None:
    routing = Routing()
    submitted, opened = await routing.birth_registered()

    first = await routing.run(handlers.task_completed, approved(assigned(opened, "register-residence")))
    last = await routing.run(handlers.task_completed, approved(assigned(opened, "issue-health-insurance")))

    assert first == []
    assert told(last) == ["result requested of 40.BHXH", "status processing"]
    assert last_status(last).handling_unit == "40.BHXH"
    assert routing.status(submitted) is DossierStatus.PROCESSING


async def test_refused_task_refuses_the_dossier_and_cancels_the_other_open_tasks() -> None:
    routing = Routing()
    submitted, opened = await routing.birth_registered()
    card = assigned(opened, "issue-health-insurance")

    events = await routing.run(handlers.task_completed, completed(card, TaskOutcome.REFUSED, "not insured"))

    assert told(events) == ["cancelled at 17179.CA", "refusal requested of 40.BHXH", "status processing"]
    asked = next(e for e in events if isinstance(e, ResultRequested))
    assert (asked.task_id, asked.reason, asked.applicant) == (card.task_id, "not insured", submitted.applicant)
    assert last_status(events).handling_unit == "40.BHXH"
    assert routing.status(submitted) is DossierStatus.PROCESSING, "denied once the refusal letter is issued"


async def test_a_supplement_request_makes_the_dossier_wait_for_what_is_missing() -> None:
    routing = Routing()
    submitted, planned = await routing.submit(LAND_IN_QUYNH_LUU)
    confirm = assigned(planned, "confirm-land-use")

    events = await routing.run(handlers.supplement_requested, _supplement_requested(confirm, "household book"))

    assert told(events) == ["status waiting"]
    assert last_status(events).missing == ("household book",)
    assert routing.status(submitted) is DossierStatus.WAITING
    assert routing.store.plans[submitted.dossier_id].paused_at == MONDAY
    assert routing.store.actions(submitted.dossier_id)[-1] == "supplement-requested"


async def test_supplements_resume_the_waiting_task_due_later_by_the_days_it_waited() -> None:
    routing = Routing()
    submitted, planned = await routing.submit(LAND_IN_QUYNH_LUU)
    confirm = assigned(planned, "confirm-land-use")
    await routing.run(handlers.supplement_requested, _supplement_requested(confirm, "household book"))
    supplemented = _supplemented(submitted)

    events = await routing.run(handlers.dossier_supplemented, supplemented, at=FRIDAY)

    assert told(events) == ["resumed at 17179.KT", "status processing"]
    waited = deadlines().paused_days(MONDAY, FRIDAY)
    assert waited == 3  # Wednesday 25, Thursday 26 and Friday 27
    resumed = events[0]
    assert isinstance(resumed, TaskResumed)
    assert resumed.task_id == confirm.task_id
    assert resumed.due_at == deadlines().extend(confirm.due_at, waited)
    assert resumed.documents == supplemented.documents
    assert last_status(events).due_at == deadlines().extend(submitted.due_at, waited)
    assert routing.store.plans[submitted.dossier_id].paused_at is None


@pytest.fixture
def illustrative_rules(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The shipped illustrative delegation rules in force, as the demo and the end-to-end tests run."""
    monkeypatch.setenv("LIENTHONG_ILLUSTRATIVE_DELEGATIONS", "true")
    delegation_rules.cache_clear()
    yield
    delegation_rules.cache_clear()


@pytest.mark.usefixtures("illustrative_rules")
async def test_a_returned_task_is_routed_again_to_the_next_competent_unit() -> None:
    routing = Routing()
    submitted, planned = await routing.submit(LAND_IN_RACH_GIA)
    opened = await routing.run(handlers.task_completed, approved(assigned(planned, "confirm-land-use")))
    delegated = assigned(opened, "register-land")
    assert delegated.unit_code == "30742.KT"
    returned = TaskReturned(
        **about(delegated),
        reason="land of an organisation",
        returned_by="clerk",
        returned_at=MONDAY,
    )

    events = await routing.run(handlers.task_returned, returned)

    assert told(events) == ["assigned register-land to 91.SNNMT", "status processing"]
    assert assigned(events, "register-land").task_id != delegated.task_id
    entry = routing.store.audit[submitted.dossier_id][-1]
    assert (entry.action, entry.from_unit, entry.to_unit) == ("re-routed", "30742.KT", "91.SNNMT")
    assert "land of an organisation" in entry.detail


async def test_an_extended_task_moves_the_dossier_appointment() -> None:
    routing = Routing()
    submitted, planned = await routing.submit(LAND_IN_QUYNH_LUU)
    confirm = assigned(planned, "confirm-land-use")
    new_due = deadlines().extend(confirm.due_at, 2)
    extended = TaskExtended(
        **about(confirm),
        previous_due_at=confirm.due_at,
        new_due_at=new_due,
        reason="the land's origin must be checked",
        extended_by="clerk",
        extended_at=MONDAY,
    )

    events = await routing.run(handlers.task_extended, extended)

    assert told(events) == ["status processing"]
    assert last_status(events).due_at == deadlines().extend(submitted.due_at, 2)
    assert last_status(events).reason == "the land's origin must be checked"
    plan = routing.store.plans[submitted.dossier_id]
    assert plan.due_at == last_status(events).due_at
    assert plan.tasks[0].due_at == new_due


async def test_a_withdrawn_dossier_cancels_its_open_tasks() -> None:
    routing = Routing()
    submitted, _opened = await routing.birth_registered()

    events = await routing.run(handlers.dossier_withdrawn, _withdrawn(submitted))

    assert told(events) == ["cancelled at 17179.CA", "cancelled at 40.BHXH", "status cancelled"]
    assert last_status(events).reason == "the family files another dossier"
    assert routing.status(submitted) is DossierStatus.CANCELLED


async def test_an_approval_after_a_withdrawal_is_recorded_as_ignored_and_publishes_nothing() -> None:
    routing = Routing()
    submitted, planned = await routing.submit(LAND_IN_QUYNH_LUU)
    await routing.run(handlers.dossier_withdrawn, _withdrawn(submitted))

    events = await routing.run(handlers.task_completed, approved(assigned(planned, "confirm-land-use")))

    assert events == []
    assert routing.status(submitted) is DossierStatus.CANCELLED
    entry = routing.store.audit[submitted.dossier_id][-1]
    assert entry.action == "ignored"
    assert entry.detail.startswith("TaskCompleted: ")


async def test_an_event_for_a_dossier_routing_never_planned_raises_unknown_dossier_error() -> None:
    routing = Routing()

    with pytest.raises(UnknownDossierError, match="never planned"):
        await routing.run(handlers.dossier_withdrawn, _withdrawn(submission(LAND_IN_QUYNH_LUU)))

    assert routing.store.plans == {}


def _numbers(events: list[Event]) -> list[int | None]:
    return [e.sequence for e in events if isinstance(e, SequencedEvent)]


async def test_every_event_routing_emits_for_a_dossier_is_numbered_one_more_than_the_last() -> None:
    routing = Routing()
    submitted, planned = await routing.submit(BIRTH_GROUP_IN_QUYNH_LUU)
    opened = await routing.run(handlers.task_completed, approved(assigned(planned, "register-birth")))
    card = assigned(opened, "issue-health-insurance")
    refused = await routing.run(handlers.task_completed, completed(card, TaskOutcome.REFUSED, "not insured"))

    emitted = [*planned, *opened, *refused]

    assert told(emitted) == [
        "status receiving",
        "assigned register-birth to 17179.VP",
        "status processing",
        "assigned register-residence to 17179.CA",
        "assigned issue-health-insurance to 40.BHXH",
        "status processing",
        "cancelled at 17179.CA",
        "refusal requested of 40.BHXH",
        "status processing",
    ]
    assert _numbers(emitted) == list(range(1, len(emitted) + 1))
    assert routing.store.plans[submitted.dossier_id].sequence == len(emitted)


async def test_the_numbers_run_across_both_streams_and_through_a_wait_for_supplements() -> None:
    routing = Routing()
    submitted, planned = await routing.submit(LAND_IN_QUYNH_LUU)
    confirm = assigned(planned, "confirm-land-use")
    waiting = await routing.run(handlers.supplement_requested, _supplement_requested(confirm, "household book"))
    supplemented = _supplemented(submitted)
    resumed = await routing.run(handlers.dossier_supplemented, supplemented, at=FRIDAY)

    emitted = [*planned, *waiting, *resumed]

    assert told(emitted)[-3:] == ["status waiting", "resumed at 17179.KT", "status processing"]
    assert _numbers(emitted) == list(range(1, len(emitted) + 1))


async def test_an_event_the_plan_ignores_emits_nothing_and_uses_no_number() -> None:
    routing = Routing()
    submitted, planned = await routing.submit(LAND_IN_QUYNH_LUU)
    withdrawn = await routing.run(handlers.dossier_withdrawn, _withdrawn(submitted))

    ignored = await routing.run(handlers.task_completed, approved(assigned(planned, "confirm-land-use")))

    assert ignored == []
    assert routing.store.plans[submitted.dossier_id].sequence == len(planned) + len(withdrawn)


async def test_a_plan_stored_before_numbering_numbers_its_next_event_one() -> None:
    routing = Routing()
    submitted, _planned = await routing.submit(LAND_IN_QUYNH_LUU)
    document = json.loads(PLAN_DOCUMENT.dump_json(routing.store.plans[submitted.dossier_id]))
    del document["sequence"]
    routing.store.plans[submitted.dossier_id] = PLAN_DOCUMENT.validate_python(document)

    withdrawn = await routing.run(handlers.dossier_withdrawn, _withdrawn(submitted))

    assert _numbers(withdrawn) == [1, 2]
