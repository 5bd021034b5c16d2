"""A filed dossier after filing: completed and received, or refused at receipt.

A dossier filed without every required paper or with unpaid receipt fees is ``new``. Papers
handed in later (``POST /v1/dossiers/{code}/components``) or its fees paid (the payment's
callback calls :func:`receive_if_complete` in its own transaction) complete it: it is then
received, its due date counted from that moment, and ``DossierSubmitted`` is sent with the same
dossier id. A receiver of its centre may instead refuse to accept it (``DossierNotAccepted``).
"""

from dataclasses import dataclass
from uuid import UUID
from zoneinfo import ZoneInfo

from services.intake.documents.store import Attachment
from services.intake.domain.completeness import completeness
from services.intake.domain.lifecycle import check_acceptance_refusal, check_completion
from services.intake.handlers import DossierNotFoundError, Work, dossier_papers, locked_dossier
from services.intake.identity.changes import identity_of
from services.intake.receipt_events import announce_received
from services.intake.store import Dossier
from shared.contracts import DossierNotAccepted, DossierStatus, DossierSubmitted, ResultDelivery
from shared.kernel.journal import CITIZEN, SYSTEM, clerk_actor
from shared.reference.calendar import default_calendar, due_at
from shared.reference.data import catalogue

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class CompleteDossier:
    """Command: papers handed in for a ``new`` dossier, each with its catalogue key."""

    code: str
    documents: tuple[Attachment, ...]
    actor: str = CITIZEN
    """Who hands them in, as the journal names them (``citizen``, ``clerk:<id>``, ``client:<id>``)."""
    owner: str = ""
    """Whose uploaded documents they may hand in besides the dossier's own (see ``document_owner``)."""


@dataclass(frozen=True)
class RefuseAcceptance:
    """Command: a receiver of the dossier's centre refuses to accept a ``new`` dossier, saying why."""

    code: str
    reason: str
    clerk_id: str


async def receive_if_complete(
    uow: Work, dossier_id: UUID, *, actor: str = SYSTEM, timezone: ZoneInfo = VIETNAM, fact: str | None = None
) -> bool:
    """Receive the ``new`` dossier if nothing is missing any more (its papers, its receipt fees paid); call inside
    a transaction. True when it was received now; False when it still lacks something (kept on the dossier) or
    was not ``new``. ``fact``, what completed it (fees paid), opens the note of the receipt's history entry; a
    fact that receives nothing stays in the journal, so the history has no second ``new``."""
    found = await uow.store.dossier(dossier_id)
    if found is None:
        raise DossierNotFoundError(f"no dossier has id {dossier_id}")
    dossier = await uow.store.lock_dossier(found["code"])
    assert dossier is not None
    return await _receive_if_complete(uow, dossier, actor, timezone, fact)


async def complete_dossier(uow: Work, command: CompleteDossier, *, timezone: ZoneInfo = VIETNAM) -> bool:
    """Attach the papers to the ``new`` dossier and receive it if it is complete; call inside a transaction.

    Raises :class:`DossierNotFoundError`, ``DossierActionError`` (not ``new``) or ``SubmissionRejectedError``
    (a document or key that is not the caller's or the procedure's) before anything is written.
    """
    dossier = await locked_dossier(uow.store, command.code)
    check_completion(DossierStatus(dossier["status"]))
    documents = await dossier_papers(uow, dossier, command.documents, owner=command.owner)
    handed_in = {"documents": [str(d.document_id) for d in documents]}
    await uow.journal.append(dossier["code"], "papers handed in", command.actor, handed_in)
    papers = "papers handed in: " + "; ".join(d.name for d in documents)
    return await _receive_if_complete(uow, dossier, command.actor, timezone, papers)


async def refuse_acceptance(uow: Work, command: RefuseAcceptance) -> None:
    """Record that the centre does not accept the ``new`` dossier and announce it; call inside a transaction.

    Raises :class:`DossierNotFoundError` or ``DossierActionError`` before anything is written.
    """
    dossier = await locked_dossier(uow.store, command.code)
    check_acceptance_refusal(DossierStatus(dossier["status"]))
    now, actor = uow.now, clerk_actor(command.clerk_id)
    await uow.store.record_not_accepted(dossier["id"], now)
    note = f"not accepted: {command.reason}"
    await uow.store.add_history(dossier["id"], DossierStatus.UNRESOLVED, dossier["receiving_agency"], note, now)
    event = DossierNotAccepted(
        dossier_id=dossier["id"], dossier_code=dossier["code"], reason=command.reason, refused_by=actor, refused_at=now
    )
    event_id = await uow.outbox.add(event)
    refused = {"status": DossierStatus.UNRESOLVED.value, "event_id": str(event_id)}
    await uow.journal.append(dossier["code"], "dossier not accepted", actor, refused)


async def _receive_if_complete(
    uow: Work, dossier: Dossier, actor: str, timezone: ZoneInfo, fact: str | None = None
) -> bool:
    if DossierStatus(dossier["status"]) is not DossierStatus.NEW:
        return False
    store, now, dossier_id = uow.store, uow.now, dossier["id"]
    procedure = catalogue().find(dossier["procedure_code"])
    assert procedure is not None, "a stored dossier's procedure is in the catalogue"
    components = tuple(dossier["components"])
    documents = await store.dossier_documents(dossier_id)
    handed_in = {d.catalogue_key for d in documents if d.catalogue_key}
    lacking = completeness(procedure, components, handed_in, await store.fees(dossier_id))
    if not lacking.complete:
        await store.record_missing(dossier_id, lacking.missing)
        return False
    due = due_at(default_calendar(), now, procedure.working_days, cutoff=procedure.cutoff, tz=timezone)
    await store.record_received(dossier_id, now, due)
    applicant = await store.applicant(dossier_id)
    assert applicant is not None
    event = DossierSubmitted(
        dossier_id=dossier_id,
        dossier_code=dossier["code"],
        procedure_code=procedure.code,
        applicant=applicant,
        receiving_agency=dossier["receiving_agency"],
        commune_code=dossier["commune_code"],
        province_code=dossier["province_code"],
        received_at=now,
        due_at=due,
        client_id=dossier["client_id"],
        components=components,
        portal_dossier_id=dossier["portal_dossier_id"],
        identity=identity_of(dossier),
        documents=tuple(documents),
        result_delivery=ResultDelivery(dossier["result_delivery"]),
    )
    received = "received: the papers and receipt fees are complete"
    await announce_received(uow, event, f"{fact}; {received}" if fact else received, actor)
    return True
