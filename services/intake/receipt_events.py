"""How a dossier's receipt is announced: its history entry, its event in the outbox, its journal entry.

A complete dossier is *received* (``DossierSubmitted``: routing plans it, its due date runs from
then); one lacking papers or unpaid receipt fees is *filed* (``DossierFiled``: status ``new``,
nothing planned). Both are written in the transaction that stores the dossier's state.
"""

from typing import Any

from services.intake.store import IntakeStore
from shared.contracts import DossierFiled, DossierStatus, DossierSubmitted
from shared.kernel.journal import Entry
from shared.kernel.unit_of_work import UnitOfWork


async def announce_received(uow: UnitOfWork[IntakeStore], event: DossierSubmitted, note: str, actor: str) -> Entry:
    """Record the receipt of a complete dossier in its history, the outbox and the journal (by ``actor``)."""
    await uow.store.add_history(event.dossier_id, DossierStatus.RECEIVING, event.receiving_agency, note, uow.now)
    event_id = await uow.outbox.add(event)
    received = {
        **_filing(event),
        "due_at": event.due_at.isoformat(),
        "identity": event.identity.status.value if event.identity else None,
        "result_delivery": event.result_delivery.value,
        "event_id": str(event_id),
    }
    return await uow.journal.append(event.dossier_code, "dossier received", actor, received)


async def announce_filed(uow: UnitOfWork[IntakeStore], event: DossierFiled, note: str, actor: str) -> Entry:
    """Record a dossier filed incomplete (status ``new``) in its history, the outbox and the journal."""
    await uow.store.add_history(event.dossier_id, DossierStatus.NEW, event.receiving_agency, note, uow.now)
    event_id = await uow.outbox.add(event)
    filed = {**_filing(event), "missing": len(event.missing), "event_id": str(event_id)}
    return await uow.journal.append(event.dossier_code, "dossier filed", actor, filed)


def _filing(event: DossierSubmitted | DossierFiled) -> dict[str, Any]:
    """What the journal keeps of a filing: codes, ids and hashes, nothing personal."""
    return {
        "procedure_code": event.procedure_code,
        "receiving_agency": event.receiving_agency,
        "commune_code": event.commune_code,
        "client_id": event.client_id,
        "components": list(event.components),
        "portal_dossier_id": event.portal_dossier_id,
        "documents": [{"document_id": str(d.document_id), "sha256": d.sha256} for d in event.documents],
    }
