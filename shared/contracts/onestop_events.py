"""Events of the one-stop journey around the handling: receipt, payment, the result issued and returned.

- intake → routing (``intake.dossiers.v1``): :class:`DossierFiled` (filed but incomplete or unpaid:
  status ``new``, portal code 1), :class:`DossierNotAccepted` (a receiver refused it: code 3),
  :class:`DossierPaid` (a financial obligation paid), :class:`DossierResultReturned` (the result
  handed over: code 10). A complete dossier is :class:`~shared.contracts.events.DossierSubmitted`.
- department → routing (``department.task-outcomes.v1``): :class:`TaskPaymentRequested` (a unit
  notified a financial obligation: code 6), :class:`ResultIssued` (the signed result or refusal
  letter is stored).
- routing → department (``routing.task-orders.v1``): :class:`ResultRequested` (the last stage is
  complete, or a unit refused: the unit issues the signed document), :class:`ResultReturned`
  (the result that unit issued was returned, for the on-time figures of the public board).
"""

from datetime import datetime
from uuid import UUID

from pydantic import Field

from shared.contracts.documents import DocumentRef, PaymentDue, ResultDelivery, ResultKind
from shared.contracts.events import Applicant, Event, SequencedEvent


class DossierFiled(Event):
    """A dossier was filed but is not complete yet: papers or receipt fees are missing (status ``new``).

    Routing records it (portal code 1) and plans nothing; a :class:`DossierSubmitted` with the same
    ``dossier_id`` follows when it is complete, or a :class:`DossierNotAccepted` when a receiver refuses it.
    """

    procedure_code: str
    applicant: Applicant
    receiving_agency: str
    commune_code: str
    province_code: str
    filed_at: datetime
    client_id: str
    components: tuple[str, ...] = ()
    documents: tuple[DocumentRef, ...] = ()
    missing: tuple[str, ...] = Field(min_length=1, description="What is missing, as the applicant reads it.")
    portal_dossier_id: str | None = None


class DossierNotAccepted(Event):
    """A receiver clerk of the centre refused to accept a filed dossier (portal code 3); final."""

    reason: str = Field(min_length=1, max_length=2000)
    refused_by: str
    refused_at: datetime


class DossierPaid(Event):
    """The applicant paid a financial obligation a unit notified; the waiting task resumes."""

    payment_id: UUID
    amount_vnd: int = Field(gt=0)
    receipt: DocumentRef = Field(description="The payment receipt, a document of the dossier.")
    paid_at: datetime


class DossierResultReturned(Event):
    """The result was handed to the applicant (portal code 10): at the counter, by post, or downloaded."""

    way: ResultDelivery
    returned_by: str = Field(description="Who handed it over: clerk:<id>, postal:<tracking id>, or citizen.")
    returned_at: datetime


class TaskPaymentRequested(Event):
    """A unit notified the applicant of a financial obligation (portal code 6); its task waits for payment."""

    task_id: UUID
    unit_code: str
    payment: PaymentDue
    requested_by: str
    requested_at: datetime


class ResultRequested(SequencedEvent):
    """Routing asks a unit to issue the dossier's signed document: the result after its last stage, or the
    refusal letter of the unit that refused."""

    task_id: UUID = Field(description="The task whose completion ends the dossier.")
    unit_code: str = Field(description="The issuing unit, whose key signs.")
    procedure_code: str
    kind: ResultKind
    reason: str | None = Field(default=None, description="For a refusal: why, as the letter says.")
    applicant: Applicant = Field(description="Whom the document is issued to (name and citizen ID are printed).")
    received_at: datetime
    due_at: datetime = Field(description="The appointment date on the receipt.")
    requested_at: datetime


class ResultIssued(Event):
    """A unit issued the dossier's signed document and stored it."""

    task_id: UUID
    unit_code: str
    kind: ResultKind
    document: DocumentRef
    signer: str = Field(description="The signing certificate's subject, as the validator names it.")
    issued_at: datetime


class ResultReturned(SequencedEvent):
    """The result a unit issued was returned to the applicant; the board compares it with the appointment."""

    unit_code: str
    way: ResultDelivery
    due_at: datetime = Field(description="The appointment date on the receipt.")
    returned_at: datetime
