"""The use case behind the documents API: who may read a task's documents, and the journal of each one lent.

Clerks with any role in the task's unit read them; to a clerk of another unit the task does not
exist. Each download and each pre-signed link is journalled on the dossier's chain (the document's
id, the task, the clerk as actor), in the transaction that found the document, after the body or the
link was obtained: a failed download leaves no entry.
"""

import hashlib
import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import TypeVar
from uuid import UUID

from services.department.documents.store import TaskDocument
from services.department.domain.access import Action, Clerk
from services.department.handlers import Work, visible
from services.department.store import Task
from shared.contracts import object_key
from shared.kernel.journal import clerk_actor
from shared.kernel.object_store import ObjectNotFoundError, ObjectStore

log = logging.getLogger(__name__)
Lent = TypeVar("Lent")


class DocumentNotFoundError(LookupError):
    """The task has no document with this id."""


class DocumentBodyUnavailableError(Exception):
    """The body under the document's hash is missing from the object store, or is not what was stored."""


class Lending(StrEnum):
    """How a document left the department, as the journal names it."""

    DOWNLOADED = "document downloaded"
    LINKED = "document link issued"


async def readable(uow: Work, clerk: Clerk, task_id: UUID) -> tuple[Task, list[TaskDocument]]:
    """The task and its documents, if the clerk has a role in its unit.

    Raises ``TaskNotFoundError`` (no such task, or another unit's) or ``ForbiddenActionError``.
    """
    task = visible(await uow.store.task_to_read(task_id), clerk, task_id)
    clerk.check(task["unit_code"], Action.READ)
    return task, await uow.store.task_documents(task_id)


async def lend(
    uow: Work,
    clerk: Clerk,
    task_id: UUID,
    document_id: UUID,
    how: Lending,
    fetch: Callable[[TaskDocument], Awaitable[Lent]],
) -> tuple[TaskDocument, Lent]:
    """What ``fetch`` gets for one of the task's documents (its body, a link), journalled as ``how``."""
    task, documents = await readable(uow, clerk, task_id)
    document = next((d for d in documents if d["document_id"] == document_id), None)
    if document is None:
        raise DocumentNotFoundError(f"task {task_id} has no document {document_id}")
    lent = await fetch(document)
    details = {
        "task_id": str(task_id),
        "unit_code": task["unit_code"],
        "document_id": str(document_id),
        "role": document["role"],
    }
    await uow.journal.append(task["dossier_code"], how.value, clerk_actor(clerk.id), details)
    return document, lent


async def body_of(objects: ObjectStore, document: TaskDocument) -> bytes:
    """The document's body from the object store, checked against its SHA-256.

    Raises ``ObjectStoreUnavailableError`` (try again) or :class:`DocumentBodyUnavailableError`.
    """
    key = object_key(document["sha256"])
    try:
        body = await objects.get(key)
    except ObjectNotFoundError as error:
        log.error("document %s: no body under %s in the object store", document["document_id"], key)
        raise DocumentBodyUnavailableError(f"the body of document {document['document_id']} is not stored") from error
    if hashlib.sha256(body).hexdigest() != document["sha256"]:
        log.error("document %s: the body under %s does not match its hash", document["document_id"], key)
        raise DocumentBodyUnavailableError(f"the body of document {document['document_id']} is damaged")
    return body
