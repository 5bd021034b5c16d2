"""Intake's documents and receipt fees as its use cases see them (a base of ``IntakeStore``)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from services.intake.domain.completeness import FeeDue
from services.intake.domain.document_file import dossier_owner
from shared.contracts import DocumentRef, DocumentRole, MediaType


@dataclass(frozen=True)
class StoredDocument:
    """A document whose body is in the object store: who owns it, what it is."""

    id: UUID
    owner: str
    """``client:<id>``, ``clerk:<id>``, ``citizen:<pseudonym>``, or ``dossier:<id>`` (uploaded for that dossier)."""
    name: str
    media_type: MediaType
    size: int
    sha256: str
    uploaded_at: datetime

    @classmethod
    def made_for(cls, dossier_id: UUID, document: DocumentRef, at: datetime) -> "StoredDocument":
        """A document made for the dossier (a payment receipt, a result), owned by it."""
        owner = dossier_owner(dossier_id)
        return cls(document.document_id, owner, document.name, document.media_type, document.size, document.sha256, at)

    def ref(self, role: DocumentRole = DocumentRole.COMPONENT, catalogue_key: str | None = None) -> DocumentRef:
        """The document as events carry it, in ``role``."""
        return DocumentRef(
            document_id=self.id,
            name=self.name,
            media_type=self.media_type,
            size=self.size,
            sha256=self.sha256,
            role=role,
            catalogue_key=catalogue_key,
        )


@dataclass(frozen=True)
class Attachment:
    """A document joining a dossier, in a role (with the catalogue's key for a paper handed in)."""

    document_id: UUID
    role: DocumentRole
    catalogue_key: str | None = None


class DocumentsStore(Protocol):
    """Port: documents, the documents of each dossier, and the fees each pays at receipt."""

    async def add_document(self, document: StoredDocument) -> StoredDocument:
        """Store ``document``, or give the one its owner stored with the same SHA-256 before (nothing stored)."""
        ...

    async def owned_document(self, owner: str, sha256: str) -> StoredDocument | None:
        """The document ``owner`` stored with this SHA-256, if any."""
        ...

    async def stored_documents(self, ids: Sequence[UUID]) -> dict[UUID, StoredDocument]:
        """The documents with these ids (unknown ids are left out)."""
        ...

    async def attach_documents(self, dossier_id: UUID, attachments: Sequence[Attachment], at: datetime) -> None:
        """Make the documents the dossier's (attaching one again in the same role and key changes nothing)."""
        ...

    async def add_dossier_document(self, dossier_id: UUID, document: DocumentRef, added_at: datetime) -> DocumentRef:
        """Store a document made for the dossier (a payment receipt, a result) whose body is in the object store,
        owned by the dossier, and attach it in its role; the document stored when the dossier had the same bytes
        in that role before."""
        ...

    async def dossier_documents(self, dossier_id: UUID) -> list[DocumentRef]:
        """The dossier's documents, in the order they were attached."""
        ...

    async def add_fees(self, dossier_id: UUID, fees: Sequence[FeeDue]) -> None:
        """Store the fees the dossier pays at receipt, unpaid."""
        ...

    async def fees(self, dossier_id: UUID) -> list[FeeDue]:
        """The fees the dossier pays at receipt, by position."""
        ...

    async def mark_fees_paid(self, dossier_id: UUID, payment_id: UUID, paid_at: datetime) -> int:
        """Record the dossier's unpaid receipt fees as paid by ``payment_id``; how many were unpaid."""
        ...

    async def record_missing(self, dossier_id: UUID, missing: Sequence[str]) -> None:
        """What the filed (``new``) dossier still lacks, as the applicant reads it."""
        ...

    async def record_received(self, dossier_id: UUID, received_at: datetime, due_at: datetime) -> None:
        """The filed dossier is complete: status ``receiving`` at its centre from ``received_at``, due at ``due_at``."""
        ...

    async def record_not_accepted(self, dossier_id: UUID, at: datetime) -> None:
        """A receiver refused to accept the filed dossier: status ``unresolved``, nothing missing any more."""
        ...
