"""A unit issues the signed document routing asks for: once, stored before recorded, verifiable, never stale."""

import hashlib
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.department import routing_orders
from services.department.handlers import Work
from services.department.results.issuing import Issuer, SigningNotConfiguredError, WrongIssuerError, issue_result
from services.department.results.lookup import DEFAULT_LOOKUP_URL_BASE
from services.department.results.verification import verify
from shared.contracts import (
    Applicant,
    DocumentRole,
    ResultIssued,
    ResultKind,
    ResultRequested,
    TaskAssigned,
    object_key,
)
from shared.kernel.failures import Failure, classify
from shared.kernel.journal import RecordingJournal
from shared.kernel.object_store import ObjectStoreUnavailableError
from shared.kernel.unit_of_work import RecordingOutbox, UnitOfWork
from tests.support.fake_department_store import FakeDepartmentStore
from tests.support.object_store import MemoryObjectStore
from tests.support.signing import local_signer, signing_authority

UNIT = "17179.KT"
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
APPLICANT = Applicant(citizen_id="040190000123", full_name="Nguyễn Thị Hồng Nhung")


class Department:
    """The issuing use case on a fake store, a memory object store and the tests' signing authority."""

    def __init__(self) -> None:
        self.store = FakeDepartmentStore()
        self.objects = MemoryObjectStore()
        self.issuer = Issuer(local_signer(), self.objects, DEFAULT_LOOKUP_URL_BASE)
        self.outbox = RecordingOutbox()
        self.journal = RecordingJournal()

    def work(self) -> Work:
        self.outbox = RecordingOutbox()
        return UnitOfWork(self.store, self.outbox, NOW, uuid4(), self.journal)

    async def assign(self, procedure: str = "1.013978") -> TaskAssigned:
        assigned = TaskAssigned(
            dossier_id=uuid4(),
            dossier_code="000.01.15.H40-261202-0003",
            task_id=uuid4(),
            task_key="issue-land-certificate",
            stage=2,
            unit_code=UNIT,
            procedure_code=procedure,
            assigned_at=NOW - timedelta(days=3),
            due_at=NOW + timedelta(days=1),
            sequence=3,
        )
        await routing_orders.queue_task(self.work(), assigned)
        return assigned

    async def issue(self, requested: ResultRequested, issuer: Issuer | None = None) -> list[ResultIssued]:
        await issue_result(self.work(), requested, issuer=issuer or self.issuer)
        return [e for e in self.outbox.events if isinstance(e, ResultIssued)]


def request(
    assigned: TaskAssigned, sequence: int = 9, kind: ResultKind = ResultKind.RESULT, unit: str = UNIT
) -> ResultRequested:
    return ResultRequested(
        dossier_id=assigned.dossier_id,
        dossier_code=assigned.dossier_code,
        sequence=sequence,
        task_id=assigned.task_id,
        unit_code=unit,
        procedure_code=assigned.procedure_code,
        kind=kind,
        reason="Thửa đất đang có tranh chấp" if kind is ResultKind.REFUSAL else None,
        applicant=APPLICANT,
        received_at=NOW - timedelta(days=5),
        due_at=NOW + timedelta(days=1),
        requested_at=NOW,
    )


async def test_the_result_is_signed_stored_under_its_hash_recorded_and_announced() -> None:
    department = Department()
    assigned = await department.assign()
    (issued,) = await department.issue(request(assigned))
    document = issued.document
    body = department.objects.objects[object_key(document.sha256)].body
    assert hashlib.sha256(body).hexdigest() == document.sha256
    assert len(body) == document.size
    assert (issued.kind, document.role, document.media_type.value) == (
        ResultKind.RESULT,
        DocumentRole.RESULT,
        "application/pdf",
    )
    assert issued.unit_code == UNIT
    assert f"({UNIT})" in issued.signer
    assert "Nghệ An" in issued.signer
    verdict = await verify(body, [signing_authority().certificate])
    assert (verdict.good, verdict.signer) == (True, issued.signer)
    recorded = department.store.results[(assigned.task_id, ResultKind.RESULT)]
    assert (recorded.document, recorded.layout) == (document, "land-certificate-decision")


async def test_the_journal_keeps_ids_and_the_hash_never_the_applicant() -> None:
    department = Department()
    assigned = await department.assign()
    (issued,) = await department.issue(request(assigned))
    entry = department.journal.entries[-1]
    assert (entry.chain, entry.action) == (assigned.dossier_code, "result issued")
    assert entry.details["sha256"] == issued.document.sha256
    assert entry.details["document_id"] == str(issued.document.document_id)
    assert APPLICANT.full_name not in str(entry.details)
    assert APPLICANT.citizen_id not in str(entry.details)


async def test_a_refusal_letter_is_issued_as_a_refusal() -> None:
    department = Department()
    assigned = await department.assign()
    (issued,) = await department.issue(request(assigned, kind=ResultKind.REFUSAL))
    assert (issued.kind, issued.document.role) == (ResultKind.REFUSAL, DocumentRole.REFUSAL)
    assert issued.document.name == f"tu-choi-{assigned.dossier_code}.pdf"


async def test_a_request_for_a_result_already_issued_sends_nothing_new() -> None:
    department = Department()
    assigned = await department.assign()
    await department.issue(request(assigned, sequence=9))
    puts = department.objects.puts
    assert await department.issue(request(assigned, sequence=10)) == []
    assert department.objects.puts == puts
    assert len(department.store.results) == 1


async def test_a_stale_request_changes_nothing() -> None:
    department = Department()
    assigned = await department.assign()  # the assignment was routing's order 3
    assert await department.issue(request(assigned, sequence=2)) == []
    assert department.objects.puts == 0
    assert department.store.results == {}


async def test_an_object_store_that_is_down_fails_as_transient_and_records_nothing() -> None:
    department = Department()
    assigned = await department.assign()
    department.objects.available = False
    with pytest.raises(ObjectStoreUnavailableError) as raised:
        await department.issue(request(assigned))
    assert classify(raised.value) is Failure.TRANSIENT
    assert department.store.results == {}
    assert department.outbox.events == []


async def test_without_a_signing_authority_the_request_is_refused_as_final() -> None:
    department = Department()
    assigned = await department.assign()
    with pytest.raises(SigningNotConfiguredError) as raised:
        await department.issue(request(assigned), Issuer(None, department.objects, DEFAULT_LOOKUP_URL_BASE))
    assert classify(raised.value) is Failure.FINAL
    assert department.objects.puts == 0


async def test_only_the_unit_holding_the_task_issues_its_document() -> None:
    department = Department()
    assigned = await department.assign()
    with pytest.raises(WrongIssuerError) as raised:
        await department.issue(request(assigned, unit="40.SNNMT"))
    assert classify(raised.value) is Failure.FINAL


async def test_a_request_for_a_task_never_assigned_is_final() -> None:
    department = Department()
    assigned = await department.assign()
    stranger = assigned.model_copy(update={"task_id": uuid4()})
    with pytest.raises(routing_orders.UnknownTaskError) as raised:
        await department.issue(request(stranger))
    assert classify(raised.value) is Failure.FINAL
