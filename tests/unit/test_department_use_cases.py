"""Department's use cases through a fake store and a recording outbox: clerks' commands and routing's orders."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from services.department import handlers, routing_orders
from services.department.domain.access import Clerk, ForbiddenActionError, Role
from services.department.domain.task import NotAWorkingDayError, StaleVersionError, TaskActionError
from shared.contracts import (
    Event,
    TaskAssigned,
    TaskCancelled,
    TaskCompleted,
    TaskExtended,
    TaskOutcome,
    TaskResumed,
    TaskReturned,
    TaskSupplementRequested,
)
from shared.kernel.unit_of_work import RecordingOutbox, UnitOfWork
from tests.support.fake_department_store import FakeDepartmentStore

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
UNIT = "17179.VP"
BIRTH = "1.001193"  # one supplement request per dossier
# Assigned on Friday 20 November 2026, due Monday 23 at 17:00; Tuesday 24 is Culture Day.
ASSIGNED = datetime(2026, 11, 20, 10, 0, tzinfo=HCM)
DUE = datetime(2026, 11, 23, 17, 0, tzinfo=HCM)
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=HCM)

HANDLER = Clerk.of("handler-1", {UNIT: [Role.HANDLER]})
OTHER_HANDLER = Clerk.of("handler-2", {UNIT: [Role.HANDLER]})
APPROVER = Clerk.of("approver-1", {UNIT: [Role.APPROVER]})
ELSEWHERE = Clerk.of("handler-9", {"17179.CA": [Role.HANDLER, Role.APPROVER]})
SUPERVISOR = Clerk.of("supervisor-1", {UNIT: [Role.SUPERVISOR]})
SUPERVISOR_ELSEWHERE = Clerk.of("supervisor-9", {UNIT: [Role.HANDLER], "17179.CA": [Role.SUPERVISOR]})


@dataclass
class Department:
    """Department's use cases on one fake store, each command or order in its own unit of work."""

    store: FakeDepartmentStore = field(default_factory=FakeDepartmentStore)
    published: list[Event] = field(default_factory=list)
    """What the last use case published, in order."""

    def work(self, at: datetime = MONDAY) -> handlers.Work:
        outbox = RecordingOutbox()
        self.published = outbox.events
        return UnitOfWork(self.store, outbox, at, uuid4())

    async def act(
        self, clerk: Clerk, command: handlers.ClerkCommand, version: int | None = None, at: datetime = MONDAY
    ) -> handlers.Acted:
        """The clerk's command on the only task at ``at``, at the version they saw (the current one unless told)."""
        task_id = self.task_id
        seen = self.task["version"] if version is None else version
        return await handlers.act(self.work(at), handlers.Acting(clerk, task_id, seen), command)

    async def assign(self, assigned: TaskAssigned) -> None:
        await routing_orders.queue_task(self.work(), assigned)

    async def cancel(self, cancelled: TaskCancelled) -> None:
        await routing_orders.cancel_task(self.work(), cancelled)

    async def resume(self, resumed: TaskResumed) -> None:
        await routing_orders.resume_task(self.work(), resumed)

    @property
    def task_id(self) -> UUID:
        (task_id,) = self.store.tasks
        return task_id

    @property
    def task(self) -> dict[str, Any]:
        return self.store.tasks[self.task_id]

    @property
    def last_change(self) -> dict[str, Any]:
        return self.store.history[-1]


def assignment(task_id: UUID | None = None, procedure: str = BIRTH) -> TaskAssigned:
    return TaskAssigned(
        dossier_id=uuid4(),
        dossier_code="000.01.15.H40-261120-0001",
        task_id=task_id or uuid4(),
        task_key="register-birth",
        stage=0,
        unit_code=UNIT,
        procedure_code=procedure,
        assigned_at=ASSIGNED,
        due_at=DUE,
    )


def cancellation(assigned: TaskAssigned) -> TaskCancelled:
    return TaskCancelled(
        dossier_id=assigned.dossier_id,
        dossier_code=assigned.dossier_code,
        task_id=assigned.task_id,
        unit_code=assigned.unit_code,
        reason="Hồ sơ đã được rút",
        cancelled_at=MONDAY,
    )


def resumption(assigned: TaskAssigned, due_at: datetime) -> TaskResumed:
    return TaskResumed(
        dossier_id=assigned.dossier_id,
        dossier_code=assigned.dossier_code,
        task_id=assigned.task_id,
        unit_code=assigned.unit_code,
        due_at=due_at,
        resumed_at=MONDAY,
    )


def office_end(day: int) -> datetime:
    """17:00 on a day of November 2026, office time."""
    return datetime(2026, 11, day, 17, 0, tzinfo=HCM)


@pytest.fixture
async def department() -> Department:
    """A department with one task just assigned to the unit."""
    department = Department()
    await department.assign(assignment())
    return department


# Clerks' commands


async def test_an_approval_completes_the_task_approved(department: Department) -> None:
    acted = await department.act(APPROVER, handlers.Approve(note=" Đủ điều kiện "))

    task = department.task
    assert department.published == [
        TaskCompleted(
            dossier_id=task["dossier_id"],
            dossier_code=task["dossier_code"],
            task_id=task["id"],
            unit_code=UNIT,
            outcome=TaskOutcome.APPROVED,
            reason="Đủ điều kiện",
            completed_by=APPROVER.id,
            completed_at=MONDAY,
        )
    ]
    assert (task["status"], task["version"], task["completed_by"], task["completed_at"]) == (
        "approved",
        2,
        APPROVER.id,
        MONDAY,
    )
    assert acted.task == task
    assert acted.change == department.last_change
    assert {k: department.last_change[k] for k in ("action", "actor", "by_clerk", "status_before", "status_after")} == {
        "action": "approved",
        "actor": APPROVER.id,
        "by_clerk": True,
        "status_before": "open",
        "status_after": "approved",
    }


async def test_a_refusal_completes_the_task_refused_with_its_reason(department: Department) -> None:
    await department.act(APPROVER, handlers.Refuse(reason="Giấy chứng sinh không hợp lệ"))

    (completed,) = department.published
    assert isinstance(completed, TaskCompleted)
    assert (completed.outcome, completed.reason) == (TaskOutcome.REFUSED, "Giấy chứng sinh không hợp lệ")
    assert (department.task["status"], department.task["reason"]) == ("refused", "Giấy chứng sinh không hợp lệ")
    assert department.last_change["detail"] == {"reason": "Giấy chứng sinh không hợp lệ"}


async def test_a_refusal_without_a_reason_is_not_allowed(department: Department) -> None:
    with pytest.raises(TaskActionError, match="a refusal needs a reason"):
        await department.act(APPROVER, handlers.Refuse(reason="  "))

    assert (department.published, department.task["status"]) == ([], "open")


async def test_a_supplement_request_lets_the_task_wait_for_what_is_missing(department: Department) -> None:
    await department.act(HANDLER, handlers.RequestSupplements(missing=(" Giấy chứng sinh ", "Giấy chứng sinh")))

    (requested,) = department.published
    assert isinstance(requested, TaskSupplementRequested)
    assert (requested.missing, requested.requested_by, requested.requested_at) == (
        ("Giấy chứng sinh",),
        HANDLER.id,
        MONDAY,
    )
    assert (department.task["status"], department.task["missing"], department.task["supplement_requests"]) == (
        "waiting",
        ["Giấy chứng sinh"],
        1,
    )
    assert department.last_change["action"] == "supplements-requested"


async def test_a_second_supplement_request_is_refused_where_the_procedure_allows_one(
    department: Department,
) -> None:
    assigned = assignment(department.task_id)
    await department.act(HANDLER, handlers.RequestSupplements(missing=("Giấy chứng sinh",)))
    await department.resume(resumption(assigned, office_end(26)))

    with pytest.raises(TaskActionError, match="one supplement request per dossier") as refused:
        await department.act(HANDLER, handlers.RequestSupplements(missing=("Sổ hộ khẩu",)))

    assert refused.value.field == "missing"
    assert (department.published, department.task["status"]) == ([], "open")


async def test_a_returned_task_goes_back_to_routing_with_its_reason(department: Department) -> None:
    await department.act(HANDLER, handlers.ReturnTask(reason=" Không thuộc thẩm quyền "))

    (returned,) = department.published
    assert isinstance(returned, TaskReturned)
    assert (returned.reason, returned.returned_by) == ("Không thuộc thẩm quyền", HANDLER.id)
    assert (department.task["status"], department.task["completed_by"]) == ("returned", HANDLER.id)


async def test_an_extension_moves_the_due_time_to_the_end_of_that_office_day_and_counts_late_on_the_board(
    department: Department,
) -> None:
    acted = await department.act(HANDLER, handlers.ExtendTask(new_due_date=date(2026, 11, 26), reason="Cần xác minh"))

    (extended,) = department.published
    assert isinstance(extended, TaskExtended)
    assert (extended.previous_due_at, extended.new_due_at, extended.reason, extended.extended_by) == (
        DUE,
        office_end(26),
        "Cần xác minh",
        HANDLER.id,
    )
    assert acted.task["due_at"] == office_end(26)
    assert department.store.extensions == {(department.task_id, office_end(26)): extended}
    assert department.last_change["detail"] == {
        "previous_due_at": DUE.isoformat(),
        "new_due_at": office_end(26).isoformat(),
        "reason": "Cần xác minh",
    }


async def test_an_extension_not_after_the_current_due_time_is_not_allowed(department: Department) -> None:
    with pytest.raises(TaskActionError, match="is not after") as refused:
        await department.act(HANDLER, handlers.ExtendTask(new_due_date=date(2026, 11, 23), reason="Cần xác minh"))

    assert refused.value.field == "new_due_date"
    assert (department.published, department.store.extensions, department.task["due_at"]) == ([], {}, DUE)


@pytest.mark.parametrize("day", [date(2026, 11, 24), date(2026, 11, 28)], ids=["culture-day", "saturday"])
async def test_an_extension_to_a_day_off_is_refused_as_not_a_working_day(department: Department, day: date) -> None:
    with pytest.raises(NotAWorkingDayError, match=f"^{day.isoformat()} is not a working day$"):
        await department.act(HANDLER, handlers.ExtendTask(new_due_date=day, reason="Cần xác minh"))

    assert (department.published, department.task["due_at"], department.task["version"]) == ([], DUE, 1)


async def test_an_extension_outside_the_calendar_is_refused_as_not_a_working_day(department: Department) -> None:
    with pytest.raises(NotAWorkingDayError, match="outside the calendar"):
        await department.act(HANDLER, handlers.ExtendTask(new_due_date=date(2100, 1, 4), reason="Cần xác minh"))


async def test_a_day_off_is_refused_before_the_task_is_looked_at(department: Department) -> None:
    # As the HTTP layer did before: a wrong date answers 422 whatever the task, version or role.
    command = handlers.ExtendTask(new_due_date=date(2026, 11, 24), reason="Cần xác minh")
    with pytest.raises(NotAWorkingDayError):
        await department.act(ELSEWHERE, command, version=7)


async def test_a_claim_gives_the_task_to_the_handler_and_publishes_nothing(department: Department) -> None:
    await department.act(HANDLER, handlers.Claim())

    assert department.published == []
    assert (department.task["claimed_by"], department.task["claimed_at"], department.task["version"]) == (
        HANDLER.id,
        MONDAY,
        2,
    )
    assert department.task["claim_expires_at"] == MONDAY + timedelta(hours=8)
    assert department.last_change["action"] == "claimed"
    assert department.last_change["detail"] == {"claim_expires_at": (MONDAY + timedelta(hours=8)).isoformat()}
    with pytest.raises(TaskActionError, match="claimed by handler-1"):
        await department.act(OTHER_HANDLER, handlers.ReturnTask(reason="Không thuộc thẩm quyền"))


async def test_a_release_gives_the_task_back_to_the_unit_and_publishes_nothing(department: Department) -> None:
    await department.act(HANDLER, handlers.Claim())

    await department.act(HANDLER, handlers.Release())

    assert department.published == []
    assert (department.task["claimed_by"], department.task["claimed_at"], department.task["version"]) == (None, None, 3)
    assert department.task["claim_expires_at"] is None
    assert (department.last_change["action"], department.last_change["detail"]) == (
        "released",
        {"claimed_by": HANDLER.id},
    )


async def test_a_claim_lasts_as_long_as_the_command_says(department: Department) -> None:
    await department.act(HANDLER, handlers.Claim(lasts=timedelta(minutes=5)))

    assert department.task["claim_expires_at"] == MONDAY + timedelta(minutes=5)


async def test_an_expired_claim_counts_as_unclaimed(department: Department) -> None:
    await department.act(HANDLER, handlers.Claim(lasts=timedelta(hours=1)))
    with pytest.raises(TaskActionError, match="claimed by handler-1"):
        await department.act(OTHER_HANDLER, handlers.Claim(), at=MONDAY + timedelta(minutes=59))

    later = MONDAY + timedelta(hours=1)
    await department.act(OTHER_HANDLER, handlers.RequestSupplements(missing=("Giấy chứng sinh",)), at=later)
    await department.act(OTHER_HANDLER, handlers.Claim(), at=later)

    assert (department.task["claimed_by"], department.task["claimed_at"]) == (OTHER_HANDLER.id, later)
    assert department.last_change["actor"] == OTHER_HANDLER.id
    assert department.last_change["detail"]["expired_claim_of"] == HANDLER.id


async def test_the_holder_of_an_expired_claim_has_nothing_to_release(department: Department) -> None:
    await department.act(HANDLER, handlers.Claim(lasts=timedelta(hours=1)))

    with pytest.raises(TaskActionError, match="not claimed"):
        await department.act(HANDLER, handlers.Release(), at=MONDAY + timedelta(hours=2))


async def test_a_handler_releases_only_their_own_claim_a_supervisor_anyones(department: Department) -> None:
    await department.act(HANDLER, handlers.Claim())
    with pytest.raises(TaskActionError, match="only a supervisor of the unit releases"):
        await department.act(OTHER_HANDLER, handlers.Release())
    with pytest.raises(TaskActionError, match="only a supervisor of the unit releases"):
        await department.act(SUPERVISOR_ELSEWHERE, handlers.Release())

    acted = await department.act(SUPERVISOR, handlers.Release())

    assert (acted.task["claimed_by"], acted.task["claim_expires_at"]) == (None, None)
    assert {k: acted.change[k] for k in ("action", "actor", "by_clerk", "detail")} == {
        "action": "released",
        "actor": SUPERVISOR.id,
        "by_clerk": True,
        "detail": {"claimed_by": HANDLER.id},
    }


async def test_a_supervisor_reassigns_a_claimed_task_with_a_fresh_claim(department: Department) -> None:
    await department.act(HANDLER, handlers.Claim())
    later = MONDAY + timedelta(hours=2)

    acted = await department.act(
        SUPERVISOR, handlers.Reassign(clerk_id=" handler-2 ", lasts=timedelta(hours=3)), at=later
    )

    until = later + timedelta(hours=3)
    assert (acted.task["claimed_by"], acted.task["claimed_at"], acted.task["claim_expires_at"]) == (
        OTHER_HANDLER.id,
        later,
        until,
    )
    assert department.published == []
    assert {k: acted.change[k] for k in ("action", "actor", "status_before", "status_after", "detail")} == {
        "action": "reassigned",
        "actor": SUPERVISOR.id,
        "status_before": "open",
        "status_after": "open",
        "detail": {"from": HANDLER.id, "to": OTHER_HANDLER.id, "claim_expires_at": until.isoformat()},
    }
    with pytest.raises(TaskActionError, match="claimed by handler-2"):
        await department.act(HANDLER, handlers.ReturnTask(reason="Không thuộc thẩm quyền"), at=later)
    await department.act(OTHER_HANDLER, handlers.ReturnTask(reason="Không thuộc thẩm quyền"), at=later)


async def test_a_supervisor_reassigns_an_unclaimed_task_and_only_a_supervisor_of_its_unit(
    department: Department,
) -> None:
    with pytest.raises(ForbiddenActionError, match="reassign needs one of the roles: supervisor"):
        await department.act(SUPERVISOR_ELSEWHERE, handlers.Reassign(clerk_id=HANDLER.id))
    with pytest.raises(ForbiddenActionError):
        await department.act(HANDLER, handlers.Reassign(clerk_id=HANDLER.id))

    acted = await department.act(SUPERVISOR, handlers.Reassign(clerk_id=HANDLER.id))

    assert acted.change["detail"]["from"] is None
    assert department.task["claimed_by"] == HANDLER.id
    with pytest.raises(TaskActionError, match="handler-1 already holds") as raised:
        await department.act(SUPERVISOR, handlers.Reassign(clerk_id=HANDLER.id))
    assert raised.value.field == "clerk_id"


async def test_a_comment_is_a_history_entry_only(department: Department) -> None:
    before = dict(department.task)

    acted = await department.act(HANDLER, handlers.Comment(text=" Đã gọi điện cho người nộp "))

    assert department.published == []
    assert department.task == before
    assert acted.change == department.last_change
    assert {k: acted.change[k] for k in ("action", "status_before", "status_after", "version", "detail")} == {
        "action": "commented",
        "status_before": "open",
        "status_after": "open",
        "version": 1,
        "detail": {"text": "Đã gọi điện cho người nộp"},
    }


# What act enforces on every command


async def test_another_units_task_does_not_exist_for_the_clerk(department: Department) -> None:
    with pytest.raises(handlers.TaskNotFoundError):
        await department.act(ELSEWHERE, handlers.Approve())
    nowhere = handlers.Acting(APPROVER, uuid4(), 1)
    with pytest.raises(handlers.TaskNotFoundError):
        await handlers.act(department.work(), nowhere, handlers.Approve())

    assert department.task["status"] == "open"


async def test_a_role_without_the_right_is_forbidden(department: Department) -> None:
    with pytest.raises(ForbiddenActionError, match="approve needs one of the roles: approver"):
        await department.act(HANDLER, handlers.Approve())
    with pytest.raises(ForbiddenActionError):
        await department.act(APPROVER, handlers.Claim())

    assert (department.task["status"], department.task["claimed_by"]) == ("open", None)


async def test_a_stale_version_is_refused(department: Department) -> None:
    await department.act(HANDLER, handlers.Claim())

    with pytest.raises(StaleVersionError, match="task is at version 2, not 1"):
        await department.act(APPROVER, handlers.Approve(), version=1)

    assert (department.published, department.task["status"]) == ([], "open")


# Routing's orders, in the order of their stream (routing.task-orders.v1)


async def test_an_assignment_queues_the_task_once_even_when_redelivered() -> None:
    department = Department()
    assigned = assignment()

    await department.assign(assigned)
    await department.assign(assigned)

    assert list(department.store.tasks) == [assigned.task_id]
    assert (department.task["status"], department.task["version"], department.task["due_at"]) == ("open", 1, DUE)
    assert [(c["action"], c["actor"], c["by_clerk"], c["detail"]) for c in department.store.history] == [
        ("assigned", routing_orders.ROUTING, False, {"due_at": DUE.isoformat()})
    ]
    assert department.published == []


async def test_an_assignment_then_its_cancellation_leaves_the_task_cancelled() -> None:
    department = Department()
    assigned = assignment()

    await department.assign(assigned)
    await department.cancel(cancellation(assigned))

    assert (department.task["status"], department.task["reason"], department.task["completed_at"]) == (
        "cancelled",
        "Hồ sơ đã được rút",
        MONDAY,
    )
    assert (department.last_change["action"], department.last_change["status_before"]) == ("cancelled", "open")


async def test_a_cancellation_before_its_assignment_is_refused_not_remembered() -> None:
    department = Department()
    assigned = assignment()

    with pytest.raises(routing_orders.UnknownTaskError):
        await department.cancel(cancellation(assigned))
    await department.assign(assigned)

    assert department.task["status"] == "open"


async def test_a_cancellation_leaves_a_finished_task_as_it_is(department: Department) -> None:
    await department.act(APPROVER, handlers.Approve())
    changes = len(department.store.history)

    await department.cancel(cancellation(assignment(department.task_id)))

    assert (department.task["status"], len(department.store.history)) == ("approved", changes)


async def test_a_resumption_reopens_a_waiting_task_due_at_the_moved_time(department: Department) -> None:
    await department.act(HANDLER, handlers.RequestSupplements(missing=("Giấy chứng sinh",)))

    await department.resume(resumption(assignment(department.task_id), office_end(26)))

    assert (department.task["status"], department.task["due_at"], department.task["version"]) == (
        "open",
        office_end(26),
        3,
    )
    assert (department.last_change["action"], department.last_change["detail"]) == (
        "resumed",
        {"due_at": office_end(26).isoformat()},
    )


async def test_a_resumption_leaves_a_task_that_is_not_waiting_alone(department: Department) -> None:
    await department.resume(resumption(assignment(department.task_id), office_end(26)))

    assert (department.task["due_at"], department.task["version"], len(department.store.history)) == (DUE, 1, 1)


async def test_a_resumption_of_a_task_never_assigned_is_refused() -> None:
    with pytest.raises(routing_orders.UnknownTaskError):
        await Department().resume(resumption(assignment(), office_end(26)))


async def test_routings_orders_in_the_order_of_their_numbers_all_apply() -> None:
    department = Department()
    assigned = assignment().model_copy(update={"sequence": 2})
    await department.assign(assigned)
    await department.act(HANDLER, handlers.RequestSupplements(missing=("Giấy chứng sinh",)))

    await department.resume(resumption(assigned, office_end(26)).model_copy(update={"sequence": 5}))
    await department.cancel(cancellation(assigned).model_copy(update={"sequence": 9}))

    assert [c["action"] for c in department.store.history] == [
        "assigned",
        "supplements-requested",
        "resumed",
        "cancelled",
    ]
    assert department.task["status"] == "cancelled"


async def test_a_stale_resumption_after_a_newer_order_changes_nothing() -> None:
    department = Department()
    assigned = assignment().model_copy(update={"sequence": 4})
    await department.assign(assigned)
    await department.act(HANDLER, handlers.RequestSupplements(missing=("Giấy chứng sinh",)))
    before, changes = dict(department.task), len(department.store.history)

    for stale in (3, 4, None):  # older than the assignment; the assignment's own number; from before numbering
        await department.resume(resumption(assigned, office_end(26)).model_copy(update={"sequence": stale}))

    assert (department.task, len(department.store.history), department.published) == (before, changes, [])
    await department.resume(resumption(assigned, office_end(26)).model_copy(update={"sequence": 5}))
    assert department.task["status"] == "open"
