"""What the dossier's view and its lookup show of its payments: what for, how much, how to pay."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from services.intake.payments.rules import PaymentStatus, Purpose
from services.intake.payments.store import PaymentsStore


class PaymentView(BaseModel):
    """A payment of the dossier: its receipt fees, or a financial obligation a unit notified."""

    payment_id: UUID
    purpose: Purpose = Field(description="`receipt-fees` (paid, a new dossier is received) or `obligation`.")
    amount_vnd: int
    description: str = Field(description="What it pays for, with the dossier's code.")
    status: PaymentStatus = Field(
        description="`due` (being created at the payment platform), `pending` (pay by `pay_url` or the QR code),"
        " `paid`, or `failed` (the platform refused it: the centre looks)."
    )
    pay_url: str | None = Field(description="Where the applicant pays, while pending.")
    qr_payload: str | None = Field(description="The VietQR text a banking app scans to pay, while pending.")
    created_at: datetime
    paid_at: datetime | None
    receipt_document_id: UUID | None = Field(description="The e-receipt, a document of the dossier, once paid.")


async def payment_views(store: PaymentsStore, dossier_id: UUID) -> list[PaymentView]:
    """The dossier's payments, oldest first."""
    views = []
    for record in await store.dossier_payments(dossier_id):
        payable = record.status is PaymentStatus.PENDING
        views.append(
            PaymentView(
                payment_id=record.payment_id,
                purpose=record.purpose,
                amount_vnd=record.amount_vnd,
                description=record.description,
                status=record.status,
                pay_url=record.pay_url if payable else None,
                qr_payload=record.qr_payload if payable else None,
                created_at=record.created_at,
                paid_at=record.paid_at,
                receipt_document_id=record.receipt_document_id,
            )
        )
    return views
