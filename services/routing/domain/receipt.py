"""Receipt: a dossier filed incomplete (new, portal code 1), then submitted complete or not accepted (code 3).

Intake files a dossier that still lacks papers or an unpaid receipt fee as ``new``: routing
records it without routing any task, numbers its first status change 1, and plans it when
the same dossier is submitted complete, numbering on from there (received 2, processing 4,
...). A receiver clerk may instead refuse to accept it: ``unresolved``, after which nothing
else applies to it.
"""

from datetime import datetime
from typing import Self
from uuid import UUID

from services.routing.domain.effects import Effect, StatusChanged
from services.routing.domain.plan_state import PlanRejectedError, PlanState, PlanViolationError, clock_terms
from shared.contracts import DocumentRef, DossierStatus, ResultDelivery
from shared.reference.catalogue import Procedure


class ReceiptSteps(PlanState):
    """Filing and acceptance (a step of :class:`~services.routing.domain.plan.DossierPlan`)."""

    @classmethod
    def filed(
        cls,
        procedure: Procedure,
        *,
        dossier_id: UUID,
        dossier_code: str,
        receiving_agency: str,
        filed_at: datetime,
        due_if_complete: datetime,
        catalogue_version: str,
        documents: tuple[DocumentRef, ...],
        portal_dossier_id: str | None,
    ) -> Self:
        """The record of a dossier filed incomplete: no task routed yet.

        Its due time is the one it would have if it were complete when filed (the status change
        must carry one); the submission counts the real one from complete receipt.
        """
        record = cls(
            dossier_id=dossier_id,
            dossier_code=dossier_code,
            procedure_code=procedure.code,
            catalogue_version=catalogue_version,
            rules_version="",
            receiving_agency=receiving_agency,
            received_at=filed_at,
            due_at=due_if_complete,
            **clock_terms(procedure),
            stage_count=0,
            tasks=[],
            portal_dossier_id=portal_dossier_id,
            filed_at=filed_at,
        )
        record._add_documents(documents)
        return record

    def announce_filing(self, missing: tuple[str, ...]) -> list[Effect]:
        """The first status change of a filed dossier: new, with what is missing."""
        if self.sequence != 0 or self.status is not DossierStatus.NEW:
            raise PlanRejectedError(f"dossier {self.dossier_code} was already announced")
        return [
            StatusChanged(self._next(), DossierStatus.NEW, None, self.due_at, self.receiving_agency, missing=missing)
        ]

    def receive(
        self, documents: tuple[DocumentRef, ...], result_delivery: ResultDelivery, filed: PlanState | None
    ) -> None:
        """This plan is of a dossier submitted complete with ``documents``; it continues the record of the
        dossier's filing, if it was filed incomplete before (its numbers, its documents)."""
        if filed is not None:
            if filed.status is not DossierStatus.NEW or filed.stage_count != 0:
                raise PlanRejectedError(f"dossier {self.dossier_code} is already {filed.status.value}")
            self.sequence = filed.sequence
            self.filed_at = filed.filed_at
            self.portal_dossier_id = self.portal_dossier_id or filed.portal_dossier_id
            self.documents = [*filed.documents]
        self._add_documents(documents)
        self.result_delivery = result_delivery

    def not_accept(self, reason: str, now: datetime) -> list[Effect]:
        """A receiver refused to accept the filed dossier: unresolved, final."""
        if self.status is DossierStatus.UNRESOLVED:
            raise PlanRejectedError(f"dossier {self.dossier_code} was already not accepted")
        if self.status is not DossierStatus.NEW:
            raise PlanViolationError(
                f"dossier {self.dossier_code} is {self.status.value}: only a new dossier can be not accepted"
            )
        self._note(now, "not-accepted", "refused at the receiving centre")
        return [self._move_to(DossierStatus.UNRESOLVED, handling_unit=self.receiving_agency, reason=reason)]
