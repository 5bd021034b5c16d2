"""What the documents API answers."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from shared.contracts import DocumentRole, MediaType


class TaskDocumentView(BaseModel):
    """A document of the dossier the task's clerks may read; its body is in the object store under its hash."""

    document_id: UUID
    name: str = Field(description="The file's name as handed in or issued.")
    media_type: MediaType
    size: int = Field(description="Bytes.")
    sha256: str = Field(description="SHA-256 of the content, lowercase hex; the download is checked against it.")
    role: DocumentRole = Field(description="component, supplement, payment-receipt, result or refusal.")
    catalogue_key: str | None = Field(description="For a component: the catalogue document it is.")
    received_at: datetime = Field(description="When the task received it (assigned, resumed, issued).")


class TaskDocuments(BaseModel):
    """A task's documents, in the order received."""

    task_id: UUID
    items: list[TaskDocumentView]


class DocumentLink(BaseModel):
    """A pre-signed link to download one document from the object store, without a token, until it expires."""

    url: str = Field(description="GET it before `expires_at`; anyone holding it may, so do not pass it on.")
    expires_at: datetime
