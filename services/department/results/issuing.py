"""Issuing the signed document routing asked for: render, sign, store, record, journal, announce.

The body goes to the object store (under its hash) before any row names it; an object store that
is down fails the handler as transient (:class:`~shared.kernel.object_store.ObjectStoreUnavailableError`)
and the consumer tries again. A request older than the last order the task took, or for a document
already issued for the task, sends nothing new.
"""

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass
from uuid import uuid4

from services.department.handlers import Work
from services.department.results.local_ca import province_name
from services.department.results.lookup import lookup_url
from services.department.results.signing import Signer
from services.department.results.store import IssuedResult, role_of
from services.department.results.templates import ResultDocument, compose
from services.department.routing_orders import routing_task
from shared.contracts import DocumentRef, ResultIssued, ResultRequested, object_key
from shared.contracts.documents import MediaType
from shared.kernel.journal import SYSTEM
from shared.kernel.object_store import ObjectStore
from shared.reference.data import catalogue
from shared.reference.units import find_unit

log = logging.getLogger(__name__)


class SigningNotConfiguredError(LookupError):
    """The department has no signer (``LIENTHONG_SIGNING_CA_CERT_FILE``/``_KEY_FILE`` unset): final, so the request
    waits in the dead letters until the deployment gives one and an operator replays it."""


class WrongIssuerError(ValueError):
    """Routing named a unit that does not hold the task: a document is issued only by the task's unit."""


@dataclass(frozen=True)
class Issuer:
    """What issuing needs beside the unit of work."""

    signer: Signer | None
    objects: ObjectStore
    lookup_url_base: str


async def issue_result(uow: Work, event: ResultRequested, *, issuer: Issuer) -> None:
    """Issue the result (or refusal letter) of ``event``'s task, signed by its unit, once."""
    task = await routing_task(uow, event.task_id, event)
    if not await uow.store.take_routing_order(event.task_id, event.sequence):
        log.info("stale ResultRequested (sequence %s) of task %s ignored", event.sequence, event.task_id)
        return
    if await uow.store.issued_result(event.task_id, event.kind) is not None:
        log.info("the %s of task %s was issued before: nothing new sent", event.kind.value, event.task_id)
        return
    if task["unit_code"] != event.unit_code:
        raise WrongIssuerError(f"task {event.task_id} is {task['unit_code']}'s, not {event.unit_code}'s")
    if issuer.signer is None:
        raise SigningNotConfiguredError("no signing authority: set LIENTHONG_SIGNING_CA_CERT_FILE and _KEY_FILE")
    unit = find_unit(event.unit_code)
    if unit is None:
        raise LookupError(f"no unit {event.unit_code} in the units registry")
    province = province_name(unit.province_code)
    link = lookup_url(issuer.lookup_url_base, event.dossier_code)
    document = compose(event, catalogue().find(event.procedure_code), unit, province, uow.now, link)
    started = time.perf_counter()
    # The PDF toolkit (fpdf2, fontTools, Pillow: about 45 MiB) is loaded by the first result a process issues,
    # not by every department process at start.
    from services.department.results.rendering import render

    pdf = await asyncio.to_thread(render, document)
    rendered = time.perf_counter()
    signed = await issuer.signer.sign(pdf, unit.code, reason=_reason(document), location=province)
    digest = hashlib.sha256(signed.body).hexdigest()
    await issuer.objects.put(object_key(digest), signed.body, MediaType.PDF.value)
    log.info(
        "%s of %s rendered in %.0f ms, signed in %.0f ms (%d bytes)",
        event.kind.value,
        event.dossier_code,
        (rendered - started) * 1000,
        (time.perf_counter() - rendered) * 1000,
        len(signed.body),
    )
    reference = DocumentRef(
        document_id=uuid4(),
        name=document.file_name,
        media_type=MediaType.PDF,
        size=len(signed.body),
        sha256=digest,
        role=role_of(event.kind),
    )
    issued = IssuedResult(
        task_id=event.task_id,
        kind=event.kind,
        dossier_id=event.dossier_id,
        dossier_code=event.dossier_code,
        unit_code=unit.code,
        procedure_code=event.procedure_code,
        layout=document.layout.value,
        document=reference,
        signer=signed.signer,
        issued_at=uow.now,
    )
    await uow.store.record_result(issued)
    event_id = await uow.outbox.add(
        ResultIssued(
            dossier_id=event.dossier_id,
            dossier_code=event.dossier_code,
            task_id=event.task_id,
            unit_code=unit.code,
            kind=event.kind,
            document=reference,
            signer=signed.signer,
            issued_at=uow.now,
        )
    )
    details = {
        "task_id": str(event.task_id),
        "unit_code": unit.code,
        "kind": event.kind.value,
        "document_id": str(reference.document_id),
        "sha256": digest,
        "size": reference.size,
        "event_id": str(event_id),
    }
    if uow.cause is not None:
        details["cause"] = str(uow.cause)
    await uow.journal.append(event.dossier_code, f"{event.kind.value} issued", SYSTEM, details)


def _reason(document: ResultDocument) -> str:
    """The signature's stated reason: what the unit signs."""
    return f"{document.title_vi}: {document.dossier_code}"
