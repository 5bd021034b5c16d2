"""The documents' part of intake's store in memory (a base of the fake intake store), for the fast tier."""

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from services.intake.documents.store import Attachment, StoredDocument
from services.intake.domain.completeness import FeeDue
from shared.contracts import DocumentRef, DocumentRole, DossierStatus, MediaType
from shared.reference.data import catalogue


class FakeDocumentsStore:
    """:class:`~services.intake.documents.store.DocumentsStore` in dicts and lists."""

    dossiers: dict[UUID, dict[str, Any]]

    def __init__(self) -> None:
        self.documents: dict[UUID, StoredDocument] = {}
        self.attachments: list[tuple[UUID, Attachment]] = []
        """(dossier id, attachment), in the order they were added."""
        self.receipt_fees: dict[UUID, list[FeeDue]] = {}

    async def add_document(self, document: StoredDocument) -> StoredDocument:
        earlier = await self.owned_document(document.owner, document.sha256)
        if earlier is not None:
            return earlier
        self.documents[document.id] = document
        return document

    async def owned_document(self, owner: str, sha256: str) -> StoredDocument | None:
        return next((d for d in self.documents.values() if (d.owner, d.sha256) == (owner, sha256)), None)

    async def stored_documents(self, ids: Sequence[UUID]) -> dict[UUID, StoredDocument]:
        return {i: self.documents[i] for i in ids if i in self.documents}

    async def attach_documents(self, dossier_id: UUID, attachments: Sequence[Attachment], at: datetime) -> None:
        for attachment in attachments:
            if (dossier_id, attachment) not in self.attachments:
                self.attachments.append((dossier_id, attachment))

    async def add_dossier_document(self, dossier_id: UUID, document: DocumentRef, added_at: datetime) -> DocumentRef:
        stored = await self.add_document(StoredDocument.made_for(dossier_id, document, added_at))
        attachment = Attachment(stored.id, document.role, document.catalogue_key)
        await self.attach_documents(dossier_id, [attachment], added_at)
        return stored.ref(document.role, document.catalogue_key)

    async def dossier_documents(self, dossier_id: UUID) -> list[DocumentRef]:
        return [
            self.documents[a.document_id].ref(a.role, a.catalogue_key) for d, a in self.attachments if d == dossier_id
        ]

    async def add_fees(self, dossier_id: UUID, fees: Sequence[FeeDue]) -> None:
        self.receipt_fees[dossier_id] = list(fees)

    async def fees(self, dossier_id: UUID) -> list[FeeDue]:
        return list(self.receipt_fees.get(dossier_id, []))

    async def mark_fees_paid(self, dossier_id: UUID, payment_id: UUID, paid_at: datetime) -> int:
        fees = self.receipt_fees.get(dossier_id, [])
        unpaid = [f for f in fees if not f.paid]
        self.receipt_fees[dossier_id] = [
            f if f.paid else replace(f, paid_at=paid_at, payment_id=payment_id) for f in fees
        ]
        return len(unpaid)

    async def record_missing(self, dossier_id: UUID, missing: Sequence[str]) -> None:
        self.dossiers[dossier_id]["missing"] = list(missing)

    async def record_received(self, dossier_id: UUID, received_at: datetime, due_at: datetime) -> None:
        row = self.dossiers[dossier_id]
        row.update(
            status=DossierStatus.RECEIVING.value,
            handling_unit=row["receiving_agency"],
            received_at=received_at,
            due_at=due_at,
            missing=[],
            updated_at=received_at,
        )

    async def record_not_accepted(self, dossier_id: UUID, at: datetime) -> None:
        self.dossiers[dossier_id].update(status=DossierStatus.UNRESOLVED.value, missing=[], updated_at=at)

    async def required_papers(
        self, procedure_code: str, components: tuple[str, ...], owner: str, at: datetime
    ) -> tuple[Attachment, ...]:
        """One document of ``owner`` for each paper the procedure requires with ``components`` (a test's filer who
        uploaded them), as a submission attaches them."""
        procedure = catalogue().find(procedure_code)
        assert procedure is not None
        attachments = []
        for document in procedure.required_documents(procedure.chosen_components(components)):
            digest = hashlib.sha256(document.key.encode()).hexdigest()
            made = StoredDocument(uuid4(), owner, f"{document.key}.pdf", MediaType.PDF, 1024, digest, at)
            stored = await self.add_document(made)
            attachments.append(Attachment(stored.id, DocumentRole.COMPONENT, document.key))
        return tuple(attachments)

    async def uploaded(self, owner: str, name: str, at: datetime) -> StoredDocument:
        """A PDF named ``name`` uploaded by ``owner`` (its bytes told apart by its name)."""
        digest = hashlib.sha256(name.encode()).hexdigest()
        return await self.add_document(StoredDocument(uuid4(), owner, name, MediaType.PDF, 2048, digest, at))

    def documents_state(self) -> tuple[Any, ...]:
        """What a rolled-back unit of work puts back."""
        return (self.documents, self.attachments, self.receipt_fees)

    def restore_documents(self, state: tuple[Any, ...]) -> None:
        self.documents, self.attachments, self.receipt_fees = state
