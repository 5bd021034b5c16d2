"""Which uploaded documents a caller may attach to a dossier: their own, or those uploaded for that dossier."""

from collections.abc import Collection, Sequence

from services.intake.documents.store import Attachment, DocumentsStore
from services.intake.domain.submission import SubmissionRejectedError
from shared.contracts import DocumentRef


async def attachable(
    store: DocumentsStore, attachments: Sequence[Attachment], owners: Collection[str], *, field: str = "documents"
) -> tuple[DocumentRef, ...]:
    """The documents of ``attachments``, each in its role and with its key, when every one is stored and owned by one
    of ``owners`` (one named twice in the same role and key counts once); else raises ``SubmissionRejectedError``
    naming ``<field>.<i>.document_id`` (an unknown id and another's document are refused alike, so no one learns
    which ids exist)."""
    stored = await store.stored_documents([a.document_id for a in attachments])
    refs = []
    for position, attachment in enumerate(attachments):
        document = stored.get(attachment.document_id)
        if document is None or document.owner not in owners:
            reason = f"no document {attachment.document_id} was uploaded by you or for this dossier"
            raise SubmissionRejectedError(f"{field}.{position}.document_id", reason)
        ref = document.ref(attachment.role, attachment.catalogue_key)
        if ref not in refs:
            refs.append(ref)
    return tuple(refs)
