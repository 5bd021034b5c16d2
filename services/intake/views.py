"""What intake's HTTP API answers about a dossier: its receipt, its status, history and identity check."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from services.intake.domain.identity import IdentityStatus
from services.intake.payments.views import PaymentView, payment_views
from services.intake.returns.views import ResultView, result_view
from services.intake.store import Dossier, IntakeStore
from shared.contracts import DocumentRole, DossierStatus, IdentityDecision, MediaType, ResultDelivery

SHOWS_MISSING = (DossierStatus.NEW, DossierStatus.WAITING)
"""The statuses in which the dossier lacks something the applicant must hand in (or pay)."""


class IdentityView(BaseModel):
    """The check of the applicant against the National Population Database.

    ``unchecked``: no database configured; ``pending``: it did not answer yet, checked again
    automatically; ``verified``; ``failed``: not found or another name or date of birth — the
    dossier is received all the same and the receiving clerk must look (``detail`` says why).
    """

    status: IdentityStatus
    detail: str | None
    attempts: int = Field(description="How many times intake asked the database.")
    checked_at: datetime | None = Field(description="When it last asked.")
    decision: IdentityDecision | None = Field(
        default=None,
        description="A receiving clerk's decision on a failed or pending check (`POST .../identity-decision`):"
        " `confirmed` lets the last stage be approved, `refused` refuses the dossier; None: none taken.",
    )
    decided_at: datetime | None = None


class DocumentView(BaseModel):
    """A document of the dossier: what it is, never its body."""

    document_id: UUID
    name: str
    media_type: MediaType
    size: int = Field(description="Bytes.")
    sha256: str = Field(description="SHA-256 of the content, lowercase hex.")
    role: DocumentRole
    catalogue_key: str | None = Field(description="For a paper handed in: the catalogue's key of the document it is.")


class FeeView(BaseModel):
    """A fee paid at receipt, as the catalogue set it when the dossier was filed."""

    name_vi: str
    name_en: str
    amount_vnd: int
    paid_at: datetime | None = Field(description="When it was paid; null: not yet (the dossier stays `new`).")


class DossierAccepted(BaseModel):
    id: str
    code: str
    status: DossierStatus = Field(
        description="The dossier's current status: `receiving` when complete, `new` while papers or receipt fees"
        " are missing."
    )
    received_at: datetime
    due_at: datetime | None = Field(description="The appointment for the result; null while the dossier is `new`.")
    missing: list[str] = Field(
        default=[], description="What a `new` dossier lacks, as the applicant reads it: papers, and fees to pay."
    )
    portal_dossier_id: str | None
    identity: IdentityView
    lookup_secret: str | None = Field(
        default=None,
        examples=["7K2M-QX9D-4TNA"],
        description="Shown once, for the receipt: with the code it opens `GET /v1/lookup/{code}`, a withdrawal"
        " and supplements. Only its hash is kept, so null in every later answer (a retried Idempotency-Key, a"
        " portal dossier id pushed again): the first answer had it.",
    )
    journal_head: str | None = Field(
        default=None,
        examples=["9f2c5a0e4b7d1c3f8a6e2b9d0c4f7a1e3b5d8c2f6a9e0b4d7c1f3a5e8b2d6c0f"],
        description="The SHA-256 of the dossier's journal entry of receipt, the head of its hash chain then: every"
        " later entry of the chain builds on it, so the receipt proves its history was not rewritten"
        " (`lienthong audit verify CODE`). Null on the answer to a portal dossier id pushed again.",
    )
    links: dict[str, str]


class HistoryEntry(BaseModel):
    status: DossierStatus
    unit: str | None
    note: str | None
    at: datetime


class DossierView(BaseModel):
    code: str
    procedure_code: str
    status: DossierStatus
    portal_status_code: int
    receiving_agency: str
    commune_code: str
    handling_unit: str | None
    received_at: datetime
    due_at: datetime | None
    updated_at: datetime
    components: list[str] = Field(description="Parts of an inter-connected procedure the dossier runs.")
    missing: list[str] = Field(
        description="What the applicant must hand in (or pay); empty unless the dossier is new or waiting."
    )
    portal_dossier_id: str | None = Field(description="The national portal's id, for a dossier it pushed in.")
    identity: IdentityView
    documents: list[DocumentView] = Field(description="The papers handed in and the documents issued, by reference.")
    receipt_fees: list[FeeView] = Field(description="Fees paid at receipt; the dossier is received once all are paid.")
    result_delivery: ResultDelivery = Field(description="How the applicant chose to receive the result.")
    result: ResultView | None = Field(
        default=None, description="The signed result or refusal letter issued, how it is returned; null before."
    )
    payments: list[PaymentView] = Field(
        default=[], description="Its receipt fees and financial obligations: how much, what for, how to pay."
    )
    history: list[HistoryEntry]


def identity_view(row: Dossier) -> IdentityView:
    return IdentityView(
        status=IdentityStatus(row["identity_status"]),
        detail=row["identity_detail"],
        attempts=row["identity_attempts"],
        checked_at=row["identity_checked_at"],
        decision=row["identity_decision"],
        decided_at=row["identity_decided_at"],
    )


def accepted_view(row: Dossier, *, journal_head: str | None = None) -> DossierAccepted:
    """The answer to the POST that received the dossier, with its current status and identity check."""
    return DossierAccepted(
        id=str(row["id"]),
        code=row["code"],
        status=DossierStatus(row["status"]),
        received_at=row["received_at"],
        due_at=row["due_at"],
        missing=row["missing"] if DossierStatus(row["status"]) in SHOWS_MISSING else [],
        portal_dossier_id=row["portal_dossier_id"],
        identity=identity_view(row),
        journal_head=journal_head,
        links={"self": f"/v1/dossiers/{row['code']}"},
    )


async def dossier_view(store: IntakeStore, code: str) -> DossierView | None:
    """The dossier with this code as the API shows it, or None."""
    row = await store.dossier_by_code(code)
    if row is None:
        return None
    status = DossierStatus(row["status"])
    entries = await store.history(row["id"])
    documents = await store.dossier_documents(row["id"])
    fees = await store.fees(row["id"])
    return DossierView.model_validate(
        {
            **dict(row),
            "portal_status_code": status.portal_code,
            "missing": row["missing"] if status in SHOWS_MISSING else [],
            "identity": identity_view(row),
            "documents": [document.model_dump() for document in documents],
            "receipt_fees": [vars(fee) for fee in fees],
            "result": await result_view(store, row["id"], row["code"]),
            "payments": await payment_views(store, row["id"]),
            "history": [dict(entry) for entry in entries],
        }
    )
