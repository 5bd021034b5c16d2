"""The financial obligation a clerk notifies: the task waits, routing is told (``TaskPaymentRequested``).

Part of the clerks' actions (:func:`services.department.handlers.act` records the change and the
journal entry); a resumption by routing after the applicant paid reopens the task as after supplements.
"""

from datetime import datetime
from typing import Any

from services.department.domain.access import Action, Clerk
from services.department.domain.claims import check_not_held_by_another
from services.department.domain.obligation import NotifyFinancialObligation, check_financial_obligation
from services.department.store import DepartmentStore, Task
from shared.contracts import PaymentDue, TaskPaymentRequested
from shared.reference.data import catalogue


async def notify_financial_obligation(
    store: DepartmentStore,
    task: Task,
    command: NotifyFinancialObligation,
    clerk: Clerk,
    held_by: str | None,
    now: datetime,
) -> tuple[Task, dict[str, Any], TaskPaymentRequested]:
    """Let the open task wait for the payment; a handler may not while another clerk holds the task
    (an approver signs the notice whoever examines the dossier)."""
    procedure = catalogue().find(task["procedure_code"])
    has_one = procedure is not None and procedure.financial_obligation
    check_financial_obligation(task["status"], task["procedure_code"], procedure_has_one=has_one)
    if not clerk.may(task["unit_code"], Action.APPROVE):
        check_not_held_by_another(held_by, clerk.id)
    payment = PaymentDue(amount_vnd=command.amount_vnd, description=command.description)
    updated = await store.wait_for_payment(task["id"])
    requested = TaskPaymentRequested(
        dossier_id=task["dossier_id"],
        dossier_code=task["dossier_code"],
        task_id=task["id"],
        unit_code=task["unit_code"],
        payment=payment,
        requested_by=clerk.id,
        requested_at=now,
    )
    return updated, {"amount_vnd": payment.amount_vnd, "description": payment.description}, requested
