"""The documents of a task: kept from routing's assignment and resumptions, read by the clerks of the task's unit
only, each download or link journalled, the object store's failures told apart."""

import hashlib
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from services.department import handlers, routing_orders
from services.department.documents import lending
from services.department.documents.lending import DocumentBodyUnavailableError, DocumentNotFoundError, Lending
from services.department.documents.store import TaskDocument
from services.department.domain.access import Clerk, ForbiddenActionError, Role
from shared.contracts import DocumentRef, DocumentRole, MediaType, TaskAssigned, TaskResumed, object_key
from shared.kernel.journal import RecordingJournal
from shared.kernel.object_store import ObjectStoreUnavailableError
from shared.kernel.unit_of_work import RecordingOutbox, UnitOfWork
from tests.support.fake_department_store import FakeDepartmentStore
from tests.support.object_store import MemoryObjectStore, scan
from tests.unit.test_department_use_cases import ASSIGNED, ELSEWHERE, MONDAY, UNIT, assignment

FORM = scan(30_000, b"form")
RECEIPT = scan(9_000, b"receipt")


def _ref(body: bytes, name: str, role: DocumentRole = DocumentRole.COMPONENT) -> DocumentRef:
    return DocumentRef(
        document_id=uuid4(),
        name=name,
        media_type=MediaType.PDF,
        size=len(body),
        sha256=hashlib.sha256(body).hexdigest(),
        role=role,
        catalogue_key="birth-registration-form" if role is DocumentRole.COMPONENT else None,
    )


FORM_REF = _ref(FORM, "To khai dang ky khai sinh.pdf")
RECEIPT_REF = _ref(RECEIPT, "Biên lai.pdf", DocumentRole.PAYMENT_RECEIPT)


class Desk:
    """The department's store with one assigned task carrying a form, and the object store holding its body."""

    def __init__(self) -> None:
        self.store = FakeDepartmentStore()
        self.objects = MemoryObjectStore()
        self.journal = RecordingJournal()
        self.assigned: TaskAssigned = assignment().model_copy(update={"documents": (FORM_REF,), "sequence": 1})

    def work(self) -> handlers.Work:
        return UnitOfWork(self.store, RecordingOutbox(), MONDAY, None, self.journal)

    @property
    def task_id(self) -> UUID:
        return self.assigned.task_id

    async def listed(self, clerk: Clerk) -> list[TaskDocument]:
        _task, documents = await lending.readable(self.work(), clerk, self.task_id)
        return documents

    async def download(self, clerk: Clerk, document_id: UUID) -> bytes:
        async def body(document: TaskDocument) -> bytes:
            return await lending.body_of(self.objects, document)

        _document, content = await lending.lend(self.work(), clerk, self.task_id, document_id, Lending.DOWNLOADED, body)
        return content


@pytest.fixture
async def desk() -> Desk:
    desk = Desk()
    await routing_orders.queue_task(desk.work(), desk.assigned)
    await desk.objects.put(object_key(FORM_REF.sha256), FORM, "application/pdf")
    await desk.objects.put(object_key(RECEIPT_REF.sha256), RECEIPT, "application/pdf")
    desk.journal.entries.clear()
    return desk


@pytest.mark.parametrize("role", list(Role))
async def test_a_clerk_of_the_unit_with_any_role_lists_the_task_documents(desk: Desk, role: Role) -> None:
    documents = await desk.listed(Clerk.of("c", {UNIT: [role]}))

    assert [(d["document_id"], d["name"], d["sha256"], d["size"]) for d in documents] == [
        (FORM_REF.document_id, FORM_REF.name, FORM_REF.sha256, len(FORM))
    ]
    assert documents[0]["media_type"] == "application/pdf"
    assert documents[0]["role"] == "component"
    assert documents[0]["received_at"] == ASSIGNED


async def test_a_clerk_of_another_unit_finds_no_task_and_one_without_a_role_is_refused(desk: Desk) -> None:
    with pytest.raises(handlers.TaskNotFoundError):
        await desk.listed(ELSEWHERE)
    with pytest.raises(handlers.TaskNotFoundError):
        await desk.download(ELSEWHERE, FORM_REF.document_id)
    with pytest.raises(ForbiddenActionError):
        await desk.listed(Clerk.of("visitor", {UNIT: ["visitor"]}))
    assert desk.journal.entries == []


async def test_a_download_gives_the_stored_body_and_is_journalled_with_the_document_and_the_clerk(
    desk: Desk,
) -> None:
    clerk = Clerk.of("kt.lan", {UNIT: [Role.RECEIVER]})

    assert await desk.download(clerk, FORM_REF.document_id) == FORM

    (entry,) = desk.journal.entries
    assert (entry.chain, entry.action, entry.actor) == (
        desk.assigned.dossier_code,
        "document downloaded",
        "clerk:kt.lan",
    )
    assert entry.details == {
        "task_id": str(desk.task_id),
        "unit_code": UNIT,
        "document_id": str(FORM_REF.document_id),
        "role": "component",
    }


async def test_a_document_of_no_task_of_the_unit_is_not_found(desk: Desk) -> None:
    with pytest.raises(DocumentNotFoundError):
        await desk.download(Clerk.of("c", {UNIT: [Role.HANDLER]}), RECEIPT_REF.document_id)


async def test_the_object_store_down_fails_the_download_as_transient_and_journals_nothing(desk: Desk) -> None:
    desk.objects.available = False

    with pytest.raises(ObjectStoreUnavailableError):
        await desk.download(Clerk.of("c", {UNIT: [Role.HANDLER]}), FORM_REF.document_id)
    assert desk.journal.entries == []


async def test_a_body_missing_or_not_as_stored_is_unavailable(desk: Desk) -> None:
    clerk = Clerk.of("c", {UNIT: [Role.HANDLER]})
    await desk.objects.put(object_key(FORM_REF.sha256), FORM[:-1] + b"!", "application/pdf")

    with pytest.raises(DocumentBodyUnavailableError, match="damaged"):
        await desk.download(clerk, FORM_REF.document_id)
    del desk.objects.objects[object_key(FORM_REF.sha256)]
    with pytest.raises(DocumentBodyUnavailableError, match="not stored"):
        await desk.download(clerk, FORM_REF.document_id)


async def test_a_link_is_journalled_and_opens_the_document_until_it_expires(desk: Desk) -> None:
    now = [1_000_000.0]
    desk.objects.clock = lambda: now[0]

    async def link(document: TaskDocument) -> str:
        return await desk.objects.presigned_get(
            object_key(document["sha256"]), expires_seconds=300, filename=document["name"], media_type="x"
        )

    clerk = Clerk.of("c", {UNIT: [Role.APPROVER]})
    _document, url = await lending.lend(desk.work(), clerk, desk.task_id, FORM_REF.document_id, Lending.LINKED, link)

    assert desk.objects.open_link(url).body == FORM
    assert [e.action for e in desk.journal.entries] == ["document link issued"]
    now[0] += 301
    with pytest.raises(PermissionError):
        desk.objects.open_link(url)


async def test_a_resumption_brings_the_documents_handed_in_meanwhile_once(desk: Desk) -> None:
    resumed = TaskResumed(
        dossier_id=desk.assigned.dossier_id,
        dossier_code=desk.assigned.dossier_code,
        task_id=desk.task_id,
        unit_code=UNIT,
        due_at=MONDAY + timedelta(days=3),
        resumed_at=MONDAY + timedelta(hours=2),
        documents=(RECEIPT_REF,),
        sequence=3,
    )

    await routing_orders.resume_task(desk.work(), resumed)
    await routing_orders.resume_task(desk.work(), resumed.model_copy(update={"sequence": 2}))  # stale, replayed
    await routing_orders.queue_task(desk.work(), desk.assigned)  # the assignment redelivered

    documents = await desk.listed(Clerk.of("c", {UNIT: [Role.HANDLER]}))
    assert [d["document_id"] for d in documents] == [FORM_REF.document_id, RECEIPT_REF.document_id]
    assert documents[1]["role"] == "payment-receipt"
    assert await desk.download(Clerk.of("c", {UNIT: [Role.HANDLER]}), RECEIPT_REF.document_id) == RECEIPT
