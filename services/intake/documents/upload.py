"""Storing an uploaded document: its body in the object store first, then its row, once per owner and content.

The body goes to the object store under its content's key before the row is written, so no row
ever points at a body that is not stored; a store that does not answer raises
``ObjectStoreUnavailableError`` (transient) and nothing is written. The same bytes uploaded
again by the same owner are the document stored the first time (answered 200, not 201).
"""

from dataclasses import dataclass
from uuid import uuid4

from services.intake.documents.store import StoredDocument
from services.intake.domain.document_file import DocumentFile
from services.intake.store import IntakeDatabase, IntakeStore, Request
from shared.contracts import object_key
from shared.kernel.idempotency import StoredAnswer
from shared.kernel.journal import service_chain
from shared.kernel.object_store import ObjectStore
from shared.kernel.unit_of_work import UnitOfWork

INTAKE_CHAIN = service_chain("intake")
"""The journal chain of uploads made for no dossier yet."""


@dataclass(frozen=True)
class Upload:
    """A checked file, whose it will be (``owner``), who uploads it (the journal's ``actor``) and the journal chain
    that records it (the dossier's code, or intake's own chain)."""

    file: DocumentFile
    owner: str
    actor: str
    chain: str = INTAKE_CHAIN


async def upload(database: IntakeDatabase, objects: ObjectStore, upload: Upload) -> StoredAnswer:
    """Store the upload: 201 with the new document, or 200 with the one its owner uploaded with the same bytes."""
    file = upload.file
    async with database.reading() as store:
        earlier = await store.owned_document(upload.owner, file.sha256)
    if earlier is not None:
        return _answer(earlier, created=False)
    await objects.put(object_key(file.sha256), file.body, file.media_type.value)

    async def record(uow: UnitOfWork[IntakeStore]) -> StoredAnswer:
        made = StoredDocument(
            uuid4(), upload.owner, file.name, file.media_type, file.size, file.sha256, uploaded_at=uow.now
        )
        stored = await uow.store.add_document(made)
        if stored.id != made.id:
            return _answer(stored, created=False)  # the same bytes, uploaded at the same time
        uploaded = {
            "document_id": str(stored.id),
            "sha256": stored.sha256,
            "size": stored.size,
            "media_type": stored.media_type.value,
        }
        await uow.journal.append(upload.chain, "document uploaded", upload.actor, uploaded)
        return _answer(stored, created=True)

    return await database.answer_once(Request(upload.owner, None, file.sha256), record)


def _answer(document: StoredDocument, *, created: bool) -> StoredAnswer:
    body = document.ref().model_dump(mode="json", exclude={"role", "catalogue_key"})
    return StoredAnswer(201 if created else 200, body)
