"""Intake's use cases: receive a dossier, take supplements or a withdrawal, follow its status."""

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from services.intake.change_notes import change_note
from services.intake.documents.attach import attachable
from services.intake.documents.store import Attachment
from services.intake.domain.completeness import channel_of, check_catalogue_keys, completeness, fees_due
from services.intake.domain.document_file import document_owner, dossier_owner
from services.intake.domain.dossier_code import format_dossier_code
from services.intake.domain.identity import UNCHECKED, IdentityState, received_note
from services.intake.domain.lifecycle import check_supplement, check_withdrawal
from services.intake.domain.submission import (
    AcceptedSubmission,
    SubmissionRejectedError,
    accept,
    check_applicant,
    check_delivery,
)
from services.intake.payments import due as payments
from services.intake.receipt_events import announce_filed, announce_received
from services.intake.reference.birth_provinces import birth_province_codes
from services.intake.returns import following as returns
from services.intake.store import Dossier, FollowedChange, IntakeStore, NewDossier
from shared.contracts import (
    Applicant,
    DocumentRef,
    DossierFiled,
    DossierIdentity,
    DossierStatus,
    DossierStatusChanged,
    DossierSubmitted,
    DossierSupplemented,
    DossierWithdrawn,
    ResultDelivery,
)
from shared.contracts.events import is_newer
from shared.kernel.journal import CITIZEN, SYSTEM, client_actor
from shared.kernel.unit_of_work import UnitOfWork
from shared.reference.calendar import default_calendar, due_at
from shared.reference.data import catalogue, centres

log = logging.getLogger(__name__)

Work = UnitOfWork[IntakeStore]
"""Intake's unit of work: its store on the transaction."""


class DossierNotFoundError(LookupError):
    """No dossier has this code."""


@dataclass(frozen=True)
class SubmitDossier:
    """Command: receive a dossier filed by ``client_id``."""

    procedure_code: str
    applicant: Applicant
    receiving_agency: str
    commune_code: str
    client_id: str
    components: tuple[str, ...] = ()
    portal_dossier_id: str | None = None
    """The national portal's own id when the portal pushed the dossier in: one dossier per id."""
    documents: tuple[Attachment, ...] = ()
    """The papers handed in: documents the filer uploaded, each with its catalogue key."""
    result_delivery: ResultDelivery = ResultDelivery.COUNTER
    postal_address: str | None = None


@dataclass(frozen=True)
class SupplementDossier:
    """Command: the applicant hands in what a waiting dossier lacks."""

    code: str
    documents: tuple[Attachment, ...]
    note: str | None
    actor: str = CITIZEN
    """Who hands them in, as the journal names them (``citizen``, ``clerk:<id>``, ``client:<id>``)."""
    owner: str = ""
    """Whose uploaded documents they may hand in besides the dossier's own (see ``document_owner``)."""


@dataclass(frozen=True)
class WithdrawDossier:
    """Command: the applicant withdraws a dossier that is not finished yet."""

    code: str
    reason: str
    actor: str = CITIZEN
    """Who withdraws it, as the journal names them (``citizen``, ``clerk:<id>``, ``client:<id>``)."""


@dataclass(frozen=True)
class DossierNumber:
    """A receipt's number at its centre on its local day, taken before the receipt's transaction opens."""

    agency_id: str
    day: date
    sequence: int


async def number_receipt(store: IntakeStore, agency_id: str, day: date) -> DossierNumber:
    """The next number of ``agency_id`` on ``day``; call on a connection of its own, outside any transaction.

    The number is committed at once, so the centre's counter is locked only for its one statement
    and not for the whole receipt: concurrent receipts of one centre do not queue on it. A receipt
    that then fails leaves its number unused (a gap in that day's numbers).
    """
    return DossierNumber(agency_id, day, await store.next_sequence(agency_id, day))


@dataclass(frozen=True)
class DossierReceived:
    dossier_id: UUID
    code: str
    received_at: datetime
    due_at: datetime | None
    """None while the dossier is ``new`` (papers or receipt fees missing)."""
    created: bool = True
    """False when the portal had pushed the same portal dossier id before: nothing new was stored."""
    journal_head: str | None = None
    """The hash of the dossier's journal entry of receipt (None when nothing new was stored)."""


def check_submission(command: SubmitDossier, *, today: date) -> AcceptedSubmission:
    """Every rule a dossier must pass at intake, reference data and applicant; touches no database.

    Raises ``SubmissionRejectedError`` naming the first field at fault.
    """
    accepted = _accept(command)
    date_of_birth = command.applicant.date_of_birth
    if date_of_birth is None:
        raise SubmissionRejectedError("applicant.date_of_birth", "Field required")
    check_applicant(command.applicant.citizen_id, date_of_birth, provinces=birth_province_codes(), today=today)
    check_catalogue_keys(accepted.procedure, [d.catalogue_key for d in command.documents])
    check_delivery(command.result_delivery, command.postal_address)
    return accepted


def _accept(command: SubmitDossier) -> AcceptedSubmission:
    return accept(
        procedure_code=command.procedure_code,
        commune_code=command.commune_code,
        receiving_agency=command.receiving_agency,
        catalogue=catalogue(),
        centres=centres(),
        components=command.components,
    )


async def submit_dossier(
    uow: Work,
    command: SubmitDossier,
    number: DossierNumber,
    *,
    timezone: ZoneInfo,
    accepted: AcceptedSubmission | None = None,
    identity: IdentityState = UNCHECKED,
    lookup_secret_hash: str | None = None,
) -> DossierReceived:
    """Store and announce a dossier under ``number`` with its first identity check; call inside a transaction.

    ``number`` comes from :func:`number_receipt` (its centre must be the dossier's; its day gives the
    code's date). ``accepted`` is what :func:`check_submission` returned; without it the reference
    rules are checked here, raising ``SubmissionRejectedError`` before anything is written. A portal
    dossier id received before gives back that dossier (``created`` False) and writes nothing.
    ``lookup_secret_hash`` is stored with a new dossier: the hash of the secret on its receipt.
    """
    store, now = uow.store, uow.now
    if command.portal_dossier_id is not None:
        await store.lock_portal_dossier_id(command.portal_dossier_id)
        existing = await store.portal_dossier(command.portal_dossier_id)
        if existing is not None:
            return DossierReceived(existing["id"], existing["code"], existing["received_at"], existing["due_at"], False)
    accepted = accepted or _accept(command)
    documents = await attachable(store, command.documents, {document_owner(command.client_id)})
    fees = fees_due(accepted.procedure, accepted.components, channel_of(command.client_id))
    handed_in = {d.catalogue_key for d in documents if d.catalogue_key}
    lacking = completeness(accepted.procedure, accepted.components, handed_in, fees)
    due = None
    if lacking.complete:
        due = due_at(
            default_calendar(), now, accepted.procedure.working_days, cutoff=accepted.procedure.cutoff, tz=timezone
        )
    if number.agency_id != accepted.agency_id:
        raise ValueError(f"number {number} is not of the receiving centre {accepted.agency_id}")
    code = format_dossier_code(number.agency_id, number.day, number.sequence)
    dossier_id = uuid4()
    dossier = NewDossier(
        dossier_id=dossier_id,
        code=code,
        procedure_code=accepted.procedure.code,
        receiving_agency=accepted.agency_id,
        commune_code=accepted.commune.code,
        province_code=accepted.commune.province_code,
        applicant=command.applicant,
        client_id=command.client_id,
        received_at=now,
        due_at=due,
        components=accepted.components,
        identity=identity,
        portal_dossier_id=command.portal_dossier_id,
        lookup_secret_hash=lookup_secret_hash,
        status=DossierStatus.RECEIVING if due else DossierStatus.NEW,
        missing=lacking.missing,
        result_delivery=command.result_delivery,
        postal_address=command.postal_address if command.result_delivery is ResultDelivery.POST else None,
    )
    await store.add_dossier(dossier)
    await store.attach_documents(dossier_id, command.documents, now)
    await store.add_fees(dossier_id, fees)
    filing: dict[str, Any] = {
        "dossier_id": dossier_id,
        "dossier_code": code,
        "procedure_code": accepted.procedure.code,
        "applicant": command.applicant,
        "receiving_agency": accepted.agency_id,
        "commune_code": accepted.commune.code,
        "province_code": accepted.commune.province_code,
        "client_id": command.client_id,
        "components": accepted.components,
        "documents": documents,
        "portal_dossier_id": command.portal_dossier_id,
    }
    actor = client_actor(command.client_id)
    if due is None:
        filed = DossierFiled(**filing, filed_at=now, missing=lacking.missing)
        entry = await announce_filed(uow, filed, "filed; missing: " + "; ".join(lacking.missing), actor)
        return DossierReceived(dossier_id, code, now, None, journal_head=entry.hash)
    identity_now = DossierIdentity(status=identity.status, version=1)
    received = DossierSubmitted(
        **filing, received_at=now, due_at=due, identity=identity_now, result_delivery=command.result_delivery
    )
    entry = await announce_received(uow, received, received_note(identity), actor)
    return DossierReceived(dossier_id, code, now, due, journal_head=entry.hash)


async def supplement_dossier(uow: Work, command: SupplementDossier) -> None:
    """Record the supplement and announce it so the waiting task resumes; call inside a transaction.

    Raises :class:`DossierNotFoundError` or ``DossierActionError`` before anything is written.
    """
    store, now = uow.store, uow.now
    dossier = await locked_dossier(store, command.code)
    status = DossierStatus(dossier["status"])
    check_supplement(status)
    documents = await dossier_papers(uow, dossier, command.documents, owner=command.owner)
    handed_in = "supplement handed in: " + "; ".join(d.name for d in documents)
    note = f"{handed_in} ({command.note})" if command.note else handed_in
    await store.add_history(dossier["id"], status, dossier["handling_unit"], note, now)
    event = DossierSupplemented(
        dossier_id=dossier["id"],
        dossier_code=dossier["code"],
        documents=documents,
        note=command.note,
        supplemented_at=now,
    )
    event_id = await uow.outbox.add(event)
    supplemented = {
        "status": status.value,
        "documents": [str(d.document_id) for d in documents],
        "event_id": str(event_id),
    }
    await uow.journal.append(dossier["code"], "supplement handed in", command.actor, supplemented)


async def withdraw_dossier(uow: Work, command: WithdrawDossier) -> None:
    """Record the withdrawal and announce it so routing cancels what is open; call inside a transaction.

    Raises :class:`DossierNotFoundError` or ``DossierActionError`` before anything is written.
    """
    store, now = uow.store, uow.now
    dossier = await locked_dossier(store, command.code)
    status = DossierStatus(dossier["status"])
    check_withdrawal(status)
    note = f"withdrawn by the applicant: {command.reason}"
    await store.add_history(dossier["id"], status, dossier["handling_unit"], note, now)
    event = DossierWithdrawn(
        dossier_id=dossier["id"], dossier_code=dossier["code"], reason=command.reason, withdrawn_at=now
    )
    event_id = await uow.outbox.add(event)
    withdrawn = {"status": status.value, "event_id": str(event_id)}
    await uow.journal.append(dossier["code"], "dossier withdrawn", command.actor, withdrawn)


async def dossier_papers(
    uow: Work, dossier: Dossier, attachments: tuple[Attachment, ...], *, owner: str
) -> tuple[DocumentRef, ...]:
    """Attach to ``dossier`` the documents handed in, uploaded by ``owner`` or for the dossier, when every one is
    theirs and of a catalogue key of its procedure; raises ``SubmissionRejectedError`` naming the element."""
    procedure = catalogue().find(dossier["procedure_code"])
    assert procedure is not None, "a stored dossier's procedure is in the catalogue"
    check_catalogue_keys(procedure, [a.catalogue_key for a in attachments])
    owners = {dossier_owner(dossier["id"]), *([owner] if owner else [])}
    documents = await attachable(uow.store, attachments, owners)
    await uow.store.attach_documents(dossier["id"], attachments, uow.now)
    return documents


async def locked_dossier(store: IntakeStore, code: str) -> Dossier:
    """The dossier with ``code``, locked until the transaction ends; raises :class:`DossierNotFoundError`."""
    dossier = await store.lock_dossier(code)
    if dossier is None:
        raise DossierNotFoundError(f"no dossier has code {code!r}")
    return dossier


async def record_status_change(uow: Work, event: DossierStatusChanged) -> None:
    """Keep intake's view of the dossier (status, due time, what is missing) in step with routing.

    Only a change newer than the last one applied moves the view: a stale one (a replay of a
    dead letter, a redelivery) records nothing and changes nothing, so the status never goes
    back. A change of unknown sequence (published before routing numbered its changes) applies
    as before, unless a numbered one was applied or the dossier is already finished.
    """
    store = uow.store
    held = await store.routing_status(event.dossier_id)
    if held is None:
        return
    if not is_newer(event.sequence, held.sequence) or (event.sequence is None and held.status.is_final):
        log.info(
            "stale status change %s (sequence %s) of dossier %s ignored: %s (sequence %s) is newer",
            event.status.value,
            event.sequence,
            event.dossier_code,
            held.status.value,
            held.sequence,
        )
        return
    if event.status is DossierStatus.NEW and held.status is not DossierStatus.NEW:
        # Intake decides when a filed dossier is received or not accepted; routing's echo of the filing is older.
        log.info("status new of dossier %s ignored: intake holds it %s", event.dossier_code, held.status.value)
        return
    unit = event.handling_unit if event.handling_unit is not None else held.handling_unit
    moved = (event.status, unit) != (held.status, held.handling_unit)
    missing = event.missing if event.status is DossierStatus.WAITING else None
    due = None if event.status is DossierStatus.NEW else event.due_at  # a filed dossier has no due date yet
    change = FollowedChange(
        event.status, event.handling_unit, event.sequence, due, missing, event.changed_at if moved else None
    )
    if moved:
        await returns.follow_status(uow, event)  # before the copy moves: the unit holding it issued the result
        await payments.follow_status(uow, event)  # paying: the obligation the unit notified is due
    await store.follow_status(event.dossier_id, change)
    applied = {
        "status": event.status.value,
        "handling_unit": event.handling_unit,
        "sequence": event.sequence,
        "due_at": event.due_at.isoformat() if event.due_at else None,
        "cause": str(uow.cause) if uow.cause is not None else None,
    }
    await uow.journal.append(event.dossier_code, "status applied", SYSTEM, applied)
    if moved:  # one history entry per change of status or unit, saying what caused it
        note = await change_note(store, event, held)
        await store.add_history(event.dossier_id, event.status, event.handling_unit, note, event.changed_at)
