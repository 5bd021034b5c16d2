"""A unit notifies the applicant of a financial obligation (land use levy, registration fee...): the task waits.

Only a procedure the catalogue marks with ``financial_obligation`` has one, and only an open
task notifies it. The task then waits as for supplements; routing puts the dossier in
``paying`` (portal code 6) and, once the applicant has paid, resumes the task.
"""

from dataclasses import dataclass
from typing import ClassVar

from services.department.domain.access import Action
from services.department.domain.task import TaskActionError, TaskStatus


@dataclass(frozen=True)
class NotifyFinancialObligation:
    """Command: a handler or approver notifies what the applicant must pay, and what for."""

    action: ClassVar[Action] = Action.NOTIFY_FINANCIAL_OBLIGATION
    amount_vnd: int
    description: str


def check_financial_obligation(status: str, procedure_code: str, *, procedure_has_one: bool) -> None:
    """The procedure must know financial obligations, and the task must be open."""
    if not procedure_has_one:
        raise TaskActionError(f"procedure {procedure_code} has no financial obligation to notify", "procedure")
    current = TaskStatus(status)
    if current is not TaskStatus.OPEN:
        raise TaskActionError(f"task is {current}: only an open task notifies a financial obligation")
