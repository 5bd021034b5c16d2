"""Financial obligations: a unit notifies what to pay (paying, portal code 6), the applicant pays, the task resumes.

Only a procedure with a financial obligation (land, construction) lets a unit notify one; the
catalogue says whether the clock stops until it is paid (``pause``, counted like a wait for
supplements) or keeps running (``run``). The payment receipt becomes a document of the dossier
and goes to the resumed task's unit.
"""

from datetime import datetime
from typing import Literal
from uuid import UUID

from services.routing.domain.deadlines import Deadlines
from services.routing.domain.effects import Effect
from services.routing.domain.plan_state import PlanViolationError
from services.routing.domain.tasks import TaskState, Wait
from services.routing.domain.waits import WaitSteps
from shared.contracts import DocumentRef, DossierStatus, PaymentDue

ObligationClock = Literal["pause", "run"]


class PaymentSteps(WaitSteps):
    """Paying (a step of :class:`~services.routing.domain.plan.DossierPlan`)."""

    def request_payment(
        self, task_id: UUID, payment: PaymentDue, clock: ObligationClock | None, now: datetime
    ) -> list[Effect]:
        """A unit notified a financial obligation: its task waits until paid; ``clock`` None: the procedure has none.

        A procedure without financial obligations cannot have one notified: that is refused
        (dead-lettered), not ignored.
        """
        if clock is None:
            raise PlanViolationError(f"procedure {self.procedure_code} has no financial obligation to notify")
        task = self._active_task(task_id, allowed=(TaskState.OPEN,))
        if self.decided:
            raise PlanViolationError(f"dossier {self.dossier_code} is decided: no obligation can be notified")
        self._begin_wait(task, Wait("payment", now, clock == "pause", len(self.documents), payment=payment))
        clock_told = "stopped" if clock == "pause" else "running"
        self._note(now, "payment-requested", f"{payment.amount_vnd} VND; the clock is {clock_told}", task)
        return [self._move_to(DossierStatus.PAYING, handling_unit=task.routing.unit_code, payment=payment)]

    def paid(self, receipt: DocumentRef, now: datetime, deadlines: Deadlines) -> list[Effect]:
        """The applicant paid: the tasks waiting for it resume with the receipt, due later if the clock stopped."""
        self._expect_waiting("payment")
        self._add_documents((receipt,))
        return self._end_waits("payment", now, deadlines)
