"""What the dossier's views and the citizen lookup show of the document issued to it and of its return."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from services.intake.returns.store import ResultStore, ShipmentStatus
from shared.contracts.documents import MediaType, ResultDelivery, ResultKind


class ShipmentView(BaseModel):
    """The result sent by post."""

    status: ShipmentStatus
    tracking_id: str | None = Field(description="The postal service's tracking id, once it took the order.")
    shipped_at: datetime | None
    delivered_at: datetime | None


class ReturnView(BaseModel):
    """How and when the result reached the applicant."""

    way: ResultDelivery
    at: datetime


class ResultView(BaseModel):
    """The signed document issued to the dossier (its result, or a refusal letter), never its body."""

    kind: ResultKind
    document_id: UUID
    name: str
    media_type: MediaType
    size: int = Field(description="Bytes.")
    sha256: str = Field(description="SHA-256 of the signed file, lowercase hex: a copy with another hash is not it.")
    issued_by: str | None = Field(description="The unit that issued and signed it.")
    delivery: ResultDelivery | None = Field(
        description="How the result is returned, as the applicant chose: `counter` (collected at the receiving"
        " centre), `post` or `online`; null for a refusal letter."
    )
    returned: ReturnView | None = Field(description="How and when it was returned; null while it waits.")
    shipment: ShipmentView | None = Field(description="Its shipment, for a result sent by post.")
    download: str = Field(description="Where its applicant downloads it (lookup secret or citizen token).")


async def result_view(store: ResultStore, dossier_id: UUID, code: str) -> ResultView | None:
    """The document kept for the dossier as the views show it, or None when nothing was issued yet."""
    kept = await store.result_of(dossier_id)
    if kept is None:
        return None
    shipment = await store.shipment_of(dossier_id)
    document = kept.document
    return ResultView(
        kind=kept.kind,
        document_id=document.document_id,
        name=document.name,
        media_type=document.media_type,
        size=document.size,
        sha256=document.sha256,
        issued_by=kept.issued_by,
        delivery=kept.delivery,
        returned=None if kept.returned is None else ReturnView(way=kept.returned.way, at=kept.returned.at),
        shipment=None
        if shipment is None
        else ShipmentView(
            status=shipment.status,
            tracking_id=shipment.tracking_id,
            shipped_at=shipment.shipped_at,
            delivered_at=shipment.delivered_at,
        ),
        download=f"/v1/lookup/{code}/result",
    )
