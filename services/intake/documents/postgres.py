"""The SQL of intake's documents, dossiers' documents and receipt fees (a base of ``PostgresIntakeStore``)."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from services.intake.documents.store import Attachment, StoredDocument
from services.intake.domain.completeness import FeeDue
from shared.contracts import DocumentRef, DocumentRole, DossierStatus, MediaType

DOCUMENT_COLUMNS = "id, owner, name, media_type, size, sha256, uploaded_at"


class PostgresDocumentsStore:
    """:class:`~services.intake.documents.store.DocumentsStore` on the store's ``connection``."""

    connection: asyncpg.Connection

    async def add_document(self, document: StoredDocument) -> StoredDocument:
        row = await self.connection.fetchrow(
            f"INSERT INTO documents ({DOCUMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            f" ON CONFLICT (owner, sha256) DO NOTHING RETURNING {DOCUMENT_COLUMNS}",
            document.id,
            document.owner,
            document.name,
            document.media_type.value,
            document.size,
            document.sha256,
            document.uploaded_at,
        )
        if row is not None:
            return _document(row)
        earlier = await self.owned_document(document.owner, document.sha256)
        assert earlier is not None, "the conflicting row is committed"
        return earlier

    async def owned_document(self, owner: str, sha256: str) -> StoredDocument | None:
        row = await self.connection.fetchrow(
            f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE owner = $1 AND sha256 = $2", owner, sha256
        )
        return None if row is None else _document(row)

    async def stored_documents(self, ids: Sequence[UUID]) -> dict[UUID, StoredDocument]:
        rows = await self.connection.fetch(f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id = ANY($1)", list(ids))
        return {row["id"]: _document(row) for row in rows}

    async def attach_documents(self, dossier_id: UUID, attachments: Sequence[Attachment], at: datetime) -> None:
        await self.connection.executemany(
            "INSERT INTO dossier_documents (dossier_id, document_id, catalogue_key, role, added_at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            [(dossier_id, a.document_id, a.catalogue_key, a.role.value, at) for a in attachments],
        )

    async def add_dossier_document(self, dossier_id: UUID, document: DocumentRef, added_at: datetime) -> DocumentRef:
        stored = await self.add_document(StoredDocument.made_for(dossier_id, document, added_at))
        attachment = Attachment(stored.id, document.role, document.catalogue_key)
        await self.attach_documents(dossier_id, [attachment], added_at)
        return stored.ref(document.role, document.catalogue_key)

    async def dossier_documents(self, dossier_id: UUID) -> list[DocumentRef]:
        rows = await self.connection.fetch(
            "SELECT d.id, d.owner, d.name, d.media_type, d.size, d.sha256, d.uploaded_at, a.role, a.catalogue_key"
            " FROM dossier_documents a JOIN documents d ON d.id = a.document_id WHERE a.dossier_id = $1 ORDER BY a.id",
            dossier_id,
        )
        return [_document(row).ref(DocumentRole(row["role"]), row["catalogue_key"]) for row in rows]

    async def add_fees(self, dossier_id: UUID, fees: Sequence[FeeDue]) -> None:
        await self.connection.executemany(
            "INSERT INTO dossier_fees (dossier_id, position, name_vi, name_en, amount_vnd) VALUES ($1, $2, $3, $4, $5)",
            [(dossier_id, f.position, f.name_vi, f.name_en, f.amount_vnd) for f in fees],
        )

    async def fees(self, dossier_id: UUID) -> list[FeeDue]:
        rows = await self.connection.fetch(
            "SELECT position, name_vi, name_en, amount_vnd, paid_at, payment_id FROM dossier_fees"
            " WHERE dossier_id = $1 ORDER BY position",
            dossier_id,
        )
        return [FeeDue(**dict(row)) for row in rows]

    async def mark_fees_paid(self, dossier_id: UUID, payment_id: UUID, paid_at: datetime) -> int:
        status = await self.connection.execute(
            "UPDATE dossier_fees SET paid_at = $3, payment_id = $2 WHERE dossier_id = $1 AND paid_at IS NULL",
            dossier_id,
            payment_id,
            paid_at,
        )
        return int(status.split()[-1])

    async def record_missing(self, dossier_id: UUID, missing: Sequence[str]) -> None:
        await self.connection.execute("UPDATE dossiers SET missing = $2 WHERE id = $1", dossier_id, list(missing))

    async def record_received(self, dossier_id: UUID, received_at: datetime, due_at: datetime) -> None:
        await self.connection.execute(
            "UPDATE dossiers SET status = $2, handling_unit = receiving_agency, received_at = $3, due_at = $4,"
            " missing = '{}', updated_at = $3 WHERE id = $1",
            dossier_id,
            DossierStatus.RECEIVING.value,
            received_at,
            due_at,
        )

    async def record_not_accepted(self, dossier_id: UUID, at: datetime) -> None:
        await self.connection.execute(
            "UPDATE dossiers SET status = $2, missing = '{}', updated_at = $3 WHERE id = $1",
            dossier_id,
            DossierStatus.UNRESOLVED.value,
            at,
        )


def _document(row: asyncpg.Record) -> StoredDocument:
    return StoredDocument(
        row["id"],
        row["owner"],
        row["name"],
        MediaType(row["media_type"]),
        row["size"],
        row["sha256"],
        row["uploaded_at"],
    )
