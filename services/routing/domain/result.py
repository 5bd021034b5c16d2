"""The result: asked of the unit that decided, issued signed (releasing, code 9), returned (done, code 10).

The last approval of the last stage asks that unit for the signed result; a refusal asks the
refusing unit for the signed refusal letter. The dossier keeps its status until the document
is issued: then a result makes it ``releasing`` (to be handed back as the applicant chose) and
a refusal letter ``denied``. The centre, the postal service or the applicant's download returns
the result: ``done``, and the issuing unit is told, for its on-time figures (the return against
the appointment on the receipt).

A document issued again as it was (a redelivery), or a return told twice, is ignored; one that
nobody asked for, or of another kind, task or unit, contradicts the plan and is refused.
"""

from datetime import datetime
from uuid import UUID

from services.routing.domain.effects import Effect, ResultAsked, ReturnAnnounced
from services.routing.domain.plan_state import PlanRejectedError, PlanState, PlanViolationError, ResultRequest
from services.routing.domain.tasks import PlanTask
from shared.contracts import DocumentRef, DossierStatus, ResultDelivery, ResultKind


class ResultSteps(PlanState):
    """Issuing and returning the result (a step of :class:`~services.routing.domain.plan.DossierPlan`)."""

    def _ask_for(self, task: PlanTask, kind: ResultKind, reason: str | None, now: datetime) -> list[Effect]:
        """Ask the task's unit for the signed document, and say it is that unit's to issue."""
        unit = task.routing.unit_code
        self.result_request = ResultRequest(kind, task.id, unit, reason, now)
        self._note(now, "result-requested", f"{kind.value} asked of {unit}", task)
        asked = ResultAsked(self._next(), task.id, unit, kind, reason)
        return [asked, *self._hand_to(DossierStatus.PROCESSING, unit)]

    def issue_result(
        self, task_id: UUID, unit_code: str, kind: ResultKind, document: DocumentRef, now: datetime
    ) -> list[Effect]:
        """The unit issued the document asked of it: a result is released, a refusal letter denies the dossier."""
        request = self.result_request
        if self.result is not None and (self.result.document_id, self.result.sha256) == (
            document.document_id,
            document.sha256,
        ):
            raise PlanRejectedError(f"{kind.value} {document.document_id} was already issued")
        if (
            request is None
            or self.result is not None
            or self.ended
            or (request.kind, request.task_id, request.unit_code) != (kind, task_id, unit_code)
        ):
            asked = f"a {request.kind.value} of {request.unit_code}" if request and self.result is None else "nothing"
            raise PlanViolationError(
                f"dossier {self.dossier_code} is {self.status.value} and waits for {asked}, "
                f"not a {kind.value} of {unit_code} for task {task_id}"
            )
        self.result = document
        self._note(now, "result-issued", f"{kind.value} {document.document_id} issued by {unit_code}")
        if kind is ResultKind.REFUSAL:
            return [
                self._move_to(DossierStatus.DENIED, handling_unit=unit_code, reason=request.reason, result=document)
            ]
        return [self._move_to(DossierStatus.RELEASING, handling_unit=self.receiving_agency, result=document)]

    def return_result(self, way: ResultDelivery, returned_at: datetime, now: datetime) -> list[Effect]:
        """The result was handed to the applicant: done, and its issuing unit is told when, against the appointment."""
        if self.status is DossierStatus.DONE:
            raise PlanRejectedError(f"dossier {self.dossier_code}'s result was already returned")
        if self.status is not DossierStatus.RELEASING or self.result_request is None:
            raise PlanViolationError(
                f"dossier {self.dossier_code} is {self.status.value}: only a result being released can be returned"
            )
        self._note(now, "result-returned", f"returned ({way.value})")
        told = ReturnAnnounced(self._next(), self.result_request.unit_code, way, self.due_at, returned_at)
        done = self._move_to(DossierStatus.DONE, handling_unit=self.receiving_agency, result=self.result)
        return [told, done]
