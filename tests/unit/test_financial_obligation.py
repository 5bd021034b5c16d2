"""A unit notifies a financial obligation: only where the procedure has one, on an open task, which then waits
until routing resumes it after the payment."""

from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from services.department import handlers
from services.department.domain.access import Clerk, ForbiddenActionError, Role
from services.department.domain.obligation import NotifyFinancialObligation
from services.department.domain.task import TaskActionError
from shared.contracts import DocumentRef, DocumentRole, MediaType, PaymentDue, TaskPaymentRequested, TaskResumed
from shared.kernel.journal import RecordingJournal
from shared.kernel.unit_of_work import RecordingOutbox, UnitOfWork
from tests.unit.test_department_use_cases import (
    APPROVER,
    ELSEWHERE,
    HANDLER,
    MONDAY,
    OTHER_HANDLER,
    SUPERVISOR,
    UNIT,
    Department,
    assignment,
)

LAND = "1.013978"
"""First land registration: the catalogue gives it a financial obligation (the clock pauses)."""
LEVY = NotifyFinancialObligation(amount_vnd=1_250_000, description="Tiền sử dụng đất")


async def _department(procedure: str = LAND) -> Department:
    department = Department()
    await department.assign(assignment(procedure=procedure))
    return department


@pytest.mark.parametrize("clerk", [HANDLER, APPROVER], ids=["handler", "approver"])
async def test_a_handler_or_approver_notifies_it_and_the_task_waits(clerk: Clerk) -> None:
    department = await _department()

    acted = await department.act(clerk, LEVY)

    assert acted.task["status"] == "waiting"
    assert acted.task["missing"] == []
    (requested,) = department.published
    assert isinstance(requested, TaskPaymentRequested)
    assert requested.payment == PaymentDue(amount_vnd=1_250_000, description="Tiền sử dụng đất")
    assert (requested.task_id, requested.unit_code, requested.requested_by) == (department.task_id, UNIT, clerk.id)
    assert requested.requested_at == MONDAY
    assert department.last_change["action"] == "financial-obligation-notified"
    assert department.last_change["detail"] == {"amount_vnd": 1_250_000, "description": "Tiền sử dụng đất"}


async def test_the_journal_keeps_the_amount_but_not_the_description() -> None:
    department = await _department()
    journal = RecordingJournal()
    work: handlers.Work = UnitOfWork(department.store, RecordingOutbox(), MONDAY, None, journal)

    await handlers.act(work, handlers.Acting(HANDLER, department.task_id, department.task["version"]), LEVY)

    (entry,) = journal.entries
    assert entry.action == "task financial-obligation-notified"
    assert entry.details["amount_vnd"] == 1_250_000
    assert "Tiền sử dụng đất" not in str(entry.details)


async def test_a_procedure_without_a_financial_obligation_refuses_naming_the_procedure() -> None:
    department = await _department(procedure="1.001193")

    with pytest.raises(TaskActionError) as refused:
        await department.act(HANDLER, LEVY)

    assert refused.value.field == "procedure"
    assert department.task["status"] == "open"
    assert department.published == []


async def test_only_an_open_task_notifies_one() -> None:
    department = await _department()
    await department.act(HANDLER, LEVY)

    with pytest.raises(TaskActionError) as refused:
        await department.act(APPROVER, LEVY)

    assert refused.value.field == "status"


@pytest.mark.parametrize("clerk", [SUPERVISOR, Clerk.of("receiver-1", {UNIT: [Role.RECEIVER]})])
async def test_a_supervisor_or_receiver_may_not(clerk: Clerk) -> None:
    department = await _department()

    with pytest.raises(ForbiddenActionError):
        await department.act(clerk, LEVY)


async def test_a_clerk_of_another_unit_does_not_see_the_task() -> None:
    department = await _department()

    with pytest.raises(handlers.TaskNotFoundError):
        await department.act(ELSEWHERE, LEVY)


async def test_a_handler_may_not_while_another_handler_holds_the_task_but_the_approver_may() -> None:
    department = await _department()
    await department.act(OTHER_HANDLER, handlers.Claim(lasts=timedelta(hours=1)))

    with pytest.raises(TaskActionError):
        await department.act(HANDLER, LEVY)
    assert (await department.act(APPROVER, LEVY)).task["status"] == "waiting"


async def test_the_task_reopens_when_routing_resumes_it_after_the_payment() -> None:
    department = await _department()
    await department.act(HANDLER, LEVY)
    task = department.task
    receipt = DocumentRef(
        document_id=uuid4(),
        name="bien-lai.pdf",
        media_type=MediaType.PDF,
        size=900,
        sha256="c" * 64,
        role=DocumentRole.PAYMENT_RECEIPT,
    )
    new_due = datetime(2026, 12, 1, 17, 0, tzinfo=MONDAY.tzinfo)

    await department.resume(
        TaskResumed(
            dossier_id=task["dossier_id"],
            dossier_code=task["dossier_code"],
            task_id=task["id"],
            unit_code=UNIT,
            due_at=new_due,
            resumed_at=MONDAY + timedelta(days=2),
            documents=(receipt,),
            sequence=2,
        )
    )

    assert department.task["status"] == "open"
    assert department.task["due_at"] == new_due
