"""Documents as events and rows carry them: an id, what the file is, and its SHA-256, never its body.

The body lives in the object store under :func:`object_key` (content-addressed: the same
bytes are stored once). A document is stored before any row or event points at it.
"""

from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class MediaType(StrEnum):
    """The file types a dossier accepts, as sniffed from the content (never from the file name)."""

    PDF = "application/pdf"
    JPEG = "image/jpeg"
    PNG = "image/png"


class DocumentRole(StrEnum):
    """What a document is to its dossier."""

    COMPONENT = "component"
    """A paper the applicant handed in (the catalogue names which, by ``catalogue_key``)."""
    SUPPLEMENT = "supplement"
    """A paper handed in after a unit asked for supplements."""
    PAYMENT_RECEIPT = "payment-receipt"
    """The receipt of a fee or financial obligation paid."""
    RESULT = "result"
    """The signed result the handling unit issued."""
    REFUSAL = "refusal"
    """The signed letter of a unit that refused the dossier, with the reason."""


class DocumentRef(BaseModel):
    """A stored document, by reference: what travels in events and is kept in rows."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_id: UUID
    name: str = Field(min_length=1, max_length=255, description="The file's name as handed in or issued.")
    media_type: MediaType
    size: int = Field(ge=1, description="Bytes.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the content, lowercase hex.")
    role: DocumentRole = DocumentRole.COMPONENT
    catalogue_key: str | None = Field(
        default=None,
        max_length=100,
        description="For a component: the key of the catalogue document it is (see Document.key).",
    )


def object_key(sha256: str) -> str:
    """Where a document's body is kept in the object store: by its hash, so one body is stored once."""
    return f"sha256/{sha256[:2]}/{sha256}"


class ResultDelivery(StrEnum):
    """How the applicant chose to receive the result."""

    COUNTER = "counter"
    """Collected at the receiving centre, handed over by a receiver clerk."""
    POST = "post"
    """Sent by the postal service to the applicant's address."""
    ONLINE = "online"
    """Downloaded online with the lookup secret (or the applicant's VNeID)."""


class ResultKind(StrEnum):
    """What a unit issues at the end of a dossier."""

    RESULT = "result"
    REFUSAL = "refusal"


class PaymentDue(BaseModel):
    """A financial obligation a handling unit notified: what to pay, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount_vnd: int = Field(gt=0, le=1_000_000_000_000)
    description: str = Field(min_length=1, max_length=500)
