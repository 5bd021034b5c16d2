"""The documents of a task over HTTP: list them, download one, or get a short-lived pre-signed link to it.

For clerks with any role in the task's unit (``Token``: 401 without a valid token, 403 for a caller
who is not a clerk); a task of another unit is not found (404). The object store unreachable: 503.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import Response

from services.department import handlers
from services.department.api.openapi_responses import problems
from services.department.api.security import Token, forbidden, not_found
from services.department.documents import lending
from services.department.documents.lending import DocumentBodyUnavailableError, DocumentNotFoundError, Lending
from services.department.documents.store import TaskDocument
from services.department.documents.views import DocumentLink, TaskDocuments, TaskDocumentView
from services.department.domain.access import ForbiddenActionError
from services.department.store import DepartmentStore
from shared.contracts import MediaType, object_key
from shared.kernel.http_problems import ProblemDetails, ProblemError, field_error
from shared.kernel.object_store import ObjectStore, ObjectStoreUnavailableError
from shared.kernel.runtime import ServiceRuntime

RETRY_AFTER_SECONDS = 5
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"model": ProblemDetails, "description": "The object store is unreachable, or the body is not as stored."}
}
BODY: dict[int | str, dict[str, Any]] = {
    200: {"content": {media.value: {} for media in MediaType}, "description": "The document's body."}
}


def build_documents(
    runtime: ServiceRuntime[DepartmentStore], objects: Callable[[], ObjectStore], link_seconds: int
) -> APIRouter:
    """The routes; ``objects`` gives the object store once the service runs, links last ``link_seconds``."""
    api = APIRouter(prefix="/v1/tasks/{task_id}/documents", tags=["task documents"])

    @api.get("", response_model=TaskDocuments, responses=problems(401, 403, 404, 422))
    async def list_documents(task_id: UUID, token: Token) -> TaskDocuments:
        """The dossier's documents the task's unit may read: the papers handed in, supplements, payment
        receipts, and the result or refusal letter the unit issued. Any role of the unit."""
        async with runtime.transaction() as uow:
            with _refusals():
                _task, documents = await lending.readable(uow, token.clerk, task_id)
        return TaskDocuments(task_id=task_id, items=[TaskDocumentView.model_validate(d) for d in documents])

    @api.get(
        "/{document_id}",
        response_class=Response,
        responses={**BODY, **problems(401, 403, 404, 422), **UNAVAILABLE},
    )
    async def download(task_id: UUID, document_id: UUID, token: Token) -> Response:
        """The document's body, as stored (checked against its SHA-256), to save under its name; journalled
        with the document's id and the clerk. Any role of the task's unit."""

        async def body(document: TaskDocument) -> bytes:
            return await lending.body_of(objects(), document)

        async with runtime.transaction() as uow:
            with _refusals():
                document, content = await lending.lend(uow, token.clerk, task_id, document_id, Lending.DOWNLOADED, body)
        return Response(
            content,
            media_type=document["media_type"],
            headers={
                "Content-Disposition": _attachment(document["name"]),
                "ETag": f'"{document["sha256"]}"',
                "Cache-Control": "private, no-store",
            },
        )

    @api.post(
        "/{document_id}/link", response_model=DocumentLink, responses={**problems(401, 403, 404, 422), **UNAVAILABLE}
    )
    async def link(task_id: UUID, document_id: UUID, token: Token) -> DocumentLink:
        """A pre-signed link to download the document straight from the object store, without a token, for
        `LIENTHONG_PRESIGNED_LINK_SECONDS` (300 by default); journalled with the document's id and the clerk.
        Any role of the task's unit."""

        async def signed(document: TaskDocument) -> str:
            return await objects().presigned_get(
                object_key(document["sha256"]),
                expires_seconds=link_seconds,
                filename=document["name"],
                media_type=document["media_type"],
            )

        async with runtime.transaction() as uow:
            with _refusals():
                _document, url = await lending.lend(uow, token.clerk, task_id, document_id, Lending.LINKED, signed)
            expires_at = uow.now + timedelta(seconds=link_seconds)
        return DocumentLink(url=url, expires_at=expires_at)

    return api


@contextmanager
def _refusals() -> Iterator[None]:
    """The use case's refusals as problem documents: 404 (task, document), 403, 503 (object store)."""
    try:
        yield
    except handlers.TaskNotFoundError as error:
        raise not_found("task_id", str(error)) from error
    except DocumentNotFoundError as error:
        raise not_found("document_id", str(error)) from error
    except ForbiddenActionError as error:
        raise forbidden(str(error)) from error
    except (ObjectStoreUnavailableError, DocumentBodyUnavailableError) as error:
        reason = str(error) if isinstance(error, DocumentBodyUnavailableError) else "the object store is unreachable"
        raise ProblemError(
            503,
            "Document unavailable",
            [field_error("document_id", reason)],
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ) from error


def _attachment(name: str) -> str:
    """``Content-Disposition`` saving the file under its name: an ASCII fallback, and the name in UTF-8."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
