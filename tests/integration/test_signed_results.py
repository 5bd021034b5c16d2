"""Signed results on the real PostgreSQL and the real object store (deploy/local's S3 server): issued once, stored
before recorded, and checked by pyHanko's validator, which catches a changed byte and a changed later revision."""

import hashlib
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from io import BytesIO

import asyncpg
import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from services.department import routing_orders
from services.department.adapters.postgres_store import PostgresDepartmentStore
from services.department.results.certificates import new_authority
from services.department.results.issuing import Issuer, issue_result
from services.department.results.lookup import DEFAULT_LOOKUP_URL_BASE
from services.department.results.verification import Verdict, verify
from services.department.store import DepartmentStore
from shared.contracts import Applicant, ResultIssued, ResultKind, ResultRequested, TaskAssigned, object_key
from shared.contracts.streams import event_type_of
from shared.kernel.s3_object_store import S3ObjectStore
from shared.kernel.settings import CommonSettings
from shared.kernel.unit_of_work import Transactions
from tests.support.department_rows import department_schema
from tests.support.object_store import local_object_store_settings
from tests.support.signing import local_signer, signing_authority

pytestmark = pytest.mark.integration

UNIT = "17179.KT"
NOW = datetime.now(UTC)


@pytest.fixture
async def pool(settings: CommonSettings) -> AsyncIterator[asyncpg.Pool]:
    _, pool = await department_schema(settings.database_url, "it_signed_results")
    yield pool
    await pool.close()


@pytest.fixture
async def objects(infrastructure: None) -> AsyncIterator[S3ObjectStore]:
    store = S3ObjectStore.from_settings(local_object_store_settings())
    await store.ensure_bucket()
    yield store
    await store.close()


@pytest.fixture
def transactions(pool: asyncpg.Pool) -> Transactions[DepartmentStore]:
    return Transactions(lambda: pool, PostgresDepartmentStore, "department", "it.")


async def _assigned(transactions: Transactions[DepartmentStore], procedure: str = "1.013978") -> TaskAssigned:
    assigned = TaskAssigned(
        dossier_id=uuid.uuid4(),
        dossier_code=f"000.01.15.H40-261202-{uuid.uuid4().int % 10000:04d}",
        task_id=uuid.uuid4(),
        task_key="issue-land-certificate",
        stage=2,
        unit_code=UNIT,
        procedure_code=procedure,
        assigned_at=NOW - timedelta(days=3),
        due_at=NOW + timedelta(days=1),
        sequence=4,
    )
    async with transactions() as uow:
        await routing_orders.queue_task(uow, assigned)
    return assigned


def _request(assigned: TaskAssigned, sequence: int = 8) -> ResultRequested:
    return ResultRequested(
        dossier_id=assigned.dossier_id,
        dossier_code=assigned.dossier_code,
        sequence=sequence,
        task_id=assigned.task_id,
        unit_code=UNIT,
        procedure_code=assigned.procedure_code,
        kind=ResultKind.RESULT,
        applicant=Applicant(citizen_id="040190000123", full_name="Nguyễn Thị Hồng Nhung"),
        received_at=NOW - timedelta(days=5),
        due_at=NOW + timedelta(days=1),
        requested_at=NOW,
    )


async def _issued_pdf(pool: asyncpg.Pool, objects: S3ObjectStore, task_id: uuid.UUID) -> bytes:
    sha256 = await pool.fetchval("SELECT sha256 FROM results WHERE task_id = $1", task_id)
    return await objects.get(object_key(sha256))


async def _check(pdf: bytes) -> Verdict:
    return await verify(pdf, [signing_authority().certificate])


async def test_a_result_is_issued_once_stored_before_recorded_and_verifies(
    pool: asyncpg.Pool, objects: S3ObjectStore, transactions: Transactions[DepartmentStore]
) -> None:
    issuer = Issuer(local_signer(), objects, DEFAULT_LOOKUP_URL_BASE)
    assigned = await _assigned(transactions)
    for sequence in (8, 8, 9):  # redelivered, then asked again by a newer order
        async with transactions() as uow:
            await issue_result(uow, _request(assigned, sequence), issuer=issuer)

    rows = await pool.fetch("SELECT sha256, size, signer, kind FROM results WHERE task_id = $1", assigned.task_id)
    outbox = await pool.fetch(
        "SELECT headers->>'ce_type' AS type FROM outbox WHERE payload->>'dossier_code' = $1", assigned.dossier_code
    )
    journal = await pool.fetch("SELECT action FROM journal WHERE chain = $1 ORDER BY position", assigned.dossier_code)
    assert len(rows) == 1
    assert [r["type"] for r in outbox] == [event_type_of(ResultIssued).ce_type]
    assert [j["action"] for j in journal] == ["task assigned", "result issued"]
    pdf = await _issued_pdf(pool, objects, assigned.task_id)
    assert hashlib.sha256(pdf).hexdigest() == rows[0]["sha256"]
    assert len(pdf) == rows[0]["size"]
    verdict = await _check(pdf)
    assert (verdict.intact, verdict.valid, verdict.trusted, verdict.good) == (True, True, True, True)
    assert verdict.signer == rows[0]["signer"]
    assert verdict.coverage == "entire file"
    assert "(17179.KT)" in rows[0]["signer"]


async def test_one_byte_changed_in_the_signed_range_breaks_the_signature(
    pool: asyncpg.Pool, objects: S3ObjectStore, transactions: Transactions[DepartmentStore]
) -> None:
    assigned = await _assigned(transactions, procedure="1.001193")
    async with transactions() as uow:
        await issue_result(uow, _request(assigned), issuer=Issuer(local_signer(), objects, DEFAULT_LOOKUP_URL_BASE))
    pdf = bytearray(await _issued_pdf(pool, objects, assigned.task_id))
    at = pdf.index(assigned.dossier_code.encode())  # in the document's title and subject, before the signature
    pdf[at + len(assigned.dossier_code) - 1] ^= 0x01  # the code's last digit, one bit
    verdict = await _check(bytes(pdf))
    assert verdict.signed
    assert not verdict.intact
    assert not verdict.good


async def test_a_later_revision_that_changes_the_page_is_flagged(
    pool: asyncpg.Pool, objects: S3ObjectStore, transactions: Transactions[DepartmentStore]
) -> None:
    assigned = await _assigned(transactions)
    async with transactions() as uow:
        await issue_result(uow, _request(assigned), issuer=Issuer(local_signer(), objects, DEFAULT_LOOKUP_URL_BASE))
    signed = await _issued_pdf(pool, objects, assigned.task_id)
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    overlay = writer.add_object(generic.StreamObject(stream_data=b"0 0 0 rg 100 400 300 60 re f"))
    writer.add_stream_to_page(0, overlay)  # type: ignore[no-untyped-call]  # a black box over the decision
    tampered = BytesIO()
    writer.write(tampered)  # type: ignore[no-untyped-call]

    verdict = await _check(tampered.getvalue())
    assert (verdict.intact, verdict.valid) == (True, True), "the signed revision itself is untouched"
    assert verdict.coverage == "signed revision, with later updates"
    assert verdict.modification == "OTHER"
    assert not verdict.good


async def test_a_signature_from_an_authority_not_trusted_is_not_trusted(
    pool: asyncpg.Pool, objects: S3ObjectStore, transactions: Transactions[DepartmentStore]
) -> None:
    assigned = await _assigned(transactions)
    async with transactions() as uow:
        await issue_result(uow, _request(assigned), issuer=Issuer(local_signer(), objects, DEFAULT_LOOKUP_URL_BASE))
    pdf = await _issued_pdf(pool, objects, assigned.task_id)
    verdict = await verify(pdf, [new_authority("someone else", NOW).certificate])
    assert (verdict.intact, verdict.valid, verdict.trusted, verdict.good) == (True, True, False, False)


async def test_rendering_and_signing_cost_is_measured(
    objects: S3ObjectStore, transactions: Transactions[DepartmentStore], pool: asyncpg.Pool
) -> None:
    """Not a bound: the figure for docs/security.md (printed with -s)."""
    issuer = Issuer(local_signer(), objects, DEFAULT_LOOKUP_URL_BASE)
    costs = []
    for procedure in ("1.001193", "3.000722", "1.013978", "1.000656") * 3:
        assigned = await _assigned(transactions, procedure)
        started = time.perf_counter()
        async with transactions() as uow:
            await issue_result(uow, _request(assigned), issuer=issuer)
        costs.append((time.perf_counter() - started) * 1000)
    print(
        f"\nissue a result (render, sign, store, record): {statistics.median(costs):.0f} ms median,"
        f" {min(costs):.0f}-{max(costs):.0f} ms over {len(costs)}"
    )
    assert await pool.fetchval("SELECT count(*) FROM results") == len(costs)
