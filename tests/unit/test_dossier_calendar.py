"""Every due date of a dossier is counted on its own calendar: the country's with its commune's closed days."""

from datetime import date
from uuid import uuid4

from services.routing import handlers
from services.routing.domain.closures import Closure, CountedOn, Decision
from shared.contracts import DossierStatusChanged, Event, TaskAssigned
from shared.reference.calendar import default_calendar, due_at
from shared.reference.data import catalogue
from tests.support.dossiers import BIRTH_GROUP_IN_QUYNH_LUU
from tests.support.routing_harness import MONDAY, Routing, approved, assigned

CAL = default_calendar()
QUYNH_LUU, ANH_SON = "17179", "17329"
# Wednesday 25 to Friday 27 November 2026 (Tuesday 24 is Culture Day, already off).
CLOSED = frozenset({date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27)})


def closure(commune: str) -> Closure:
    decision = Decision("45/QĐ-UBND", date(2026, 11, 22), "Ủy ban nhân dân tỉnh Nghệ An")
    return Closure(uuid4(), "40", (commune,), min(CLOSED), max(CLOSED), "bão", decision, "clerk:s", MONDAY)


def tasks(events: list[Event]) -> dict[str, TaskAssigned]:
    return {e.task_key: e for e in events if isinstance(e, TaskAssigned)}


def working_days(key: str) -> int:
    procedure = catalogue().find(BIRTH_GROUP_IN_QUYNH_LUU["procedure_code"])
    assert procedure is not None
    return next(t.working_days for stage in procedure.plan for t in stage.tasks if t.key == key)


async def test_a_dossier_filed_during_a_closure_of_its_commune_is_due_after_the_closed_days() -> None:
    routing = Routing()
    routing.store.closures.append(closure(QUYNH_LUU))

    submitted, events = await routing.submit(BIRTH_GROUP_IN_QUYNH_LUU)

    closed = CAL.with_days_closed(CLOSED)
    task = tasks(events)["register-birth"]
    assert task.due_at == due_at(closed, MONDAY, working_days("register-birth"))
    assert task.due_at > due_at(CAL, MONDAY, working_days("register-birth"))
    status = [e for e in events if isinstance(e, DossierStatusChanged)][-1]
    procedure = catalogue().find(submitted.procedure_code)
    assert procedure is not None
    assert status.due_at == due_at(closed, MONDAY, procedure.working_days, cutoff=procedure.cutoff)
    assert status.due_at > submitted.due_at
    assert routing.store.counted[submitted.dossier_id] == CountedOn(CAL.fingerprint, CLOSED)


async def test_a_closure_of_a_neighbour_commune_changes_nothing() -> None:
    routing = Routing()
    routing.store.closures.append(closure(ANH_SON))

    submitted, events = await routing.submit(BIRTH_GROUP_IN_QUYNH_LUU)

    assert tasks(events)["register-birth"].due_at == due_at(CAL, MONDAY, working_days("register-birth"))
    assert [e for e in events if isinstance(e, DossierStatusChanged)][-1].due_at == submitted.due_at
    assert routing.store.counted[submitted.dossier_id] == CountedOn(CAL.fingerprint, frozenset())


async def test_a_later_stage_opened_while_the_commune_is_closed_is_counted_on_the_dossiers_calendar() -> None:
    routing = Routing()
    submitted, planned = await routing.submit(BIRTH_GROUP_IN_QUYNH_LUU)
    # A closure declared afterwards: the re-projection worker counted the dossier on the closed days.
    routing.store.counted[submitted.dossier_id] = CountedOn(CAL.fingerprint, CLOSED)

    opened = tasks(await routing.run(handlers.task_completed, approved(assigned(planned, "register-birth"))))

    assert opened, "the approval opens stage two"
    for key, task in opened.items():
        assert task.due_at == due_at(CAL.with_days_closed(CLOSED), MONDAY, working_days(key)), key
        assert task.due_at > due_at(CAL, MONDAY, working_days(key)), key
