"""The department's task documents and results returned on the real PostgreSQL: kept from routing's orders with
the result the unit issued, lent with a journal entry in the same transaction, insert-only; the returns on the
public board per unit and per province, over HTTP."""

import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from services.department import routing_orders
from services.department.adapters.postgres_store import PostgresDepartmentStore
from services.department.documents import lending
from services.department.documents.lending import Lending
from services.department.documents.store import TaskDocument
from services.department.domain.access import Clerk, Role
from services.department.stats.api import build_board
from services.department.stats.returns import record_return
from services.department.store import DepartmentStore
from shared.contracts import (
    DocumentRef,
    DocumentRole,
    MediaType,
    ResultDelivery,
    ResultReturned,
    TaskAssigned,
    TaskResumed,
    object_key,
)
from shared.kernel.http_problems import install_problem_handlers
from shared.kernel.settings import CommonSettings
from shared.kernel.unit_of_work import Transactions
from tests.support.department_rows import department_schema
from tests.support.object_store import MemoryObjectStore, scan

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
UNIT = "17179.KT"
ASSIGNED = datetime(2026, 11, 20, 9, 0, tzinfo=HCM)
DUE = datetime(2026, 11, 27, 17, 0, tzinfo=HCM)
HANDLER = Clerk.of("kt.lan", {UNIT: [Role.HANDLER]})
FORM, RECEIPT = scan(40_000, b"form"), scan(8_000, b"receipt")


def _ref(body: bytes, name: str, role: DocumentRole) -> DocumentRef:
    digest = hashlib.sha256(body).hexdigest()
    return DocumentRef(
        document_id=uuid.uuid4(), name=name, media_type=MediaType.PDF, size=len(body), sha256=digest, role=role
    )


@pytest.fixture
async def pool(settings: CommonSettings) -> AsyncIterator[asyncpg.Pool]:
    _, pool = await department_schema(settings.database_url, "it_task_documents")
    yield pool
    await pool.close()


@pytest.fixture
def transactions(pool: asyncpg.Pool) -> Transactions[DepartmentStore]:
    return Transactions(lambda: pool, PostgresDepartmentStore, "department", "it.")


def _assignment() -> TaskAssigned:
    return TaskAssigned(
        dossier_id=uuid.uuid4(),
        dossier_code=f"000.01.15.H40-261120-{uuid.uuid4().int % 10000:04d}",
        task_id=uuid.uuid4(),
        task_key="register-land",
        stage=0,
        unit_code=UNIT,
        procedure_code="1.013978",
        assigned_at=ASSIGNED,
        due_at=DUE,
        sequence=1,
        documents=(_ref(FORM, "Đơn đăng ký đất đai.pdf", DocumentRole.COMPONENT),),
    )


async def test_the_documents_of_a_task_come_from_its_orders_and_the_result_its_unit_issued(
    pool: asyncpg.Pool, transactions: Transactions[DepartmentStore]
) -> None:
    assigned = _assignment()
    receipt = _ref(RECEIPT, "Biên lai nghĩa vụ tài chính.pdf", DocumentRole.PAYMENT_RECEIPT)
    resumed = TaskResumed(
        dossier_id=assigned.dossier_id,
        dossier_code=assigned.dossier_code,
        task_id=assigned.task_id,
        unit_code=UNIT,
        due_at=DUE + timedelta(days=3),
        resumed_at=ASSIGNED + timedelta(days=2),
        documents=(receipt,),
        sequence=3,
    )
    for order in (routing_orders.queue_task, routing_orders.queue_task):  # the assignment redelivered
        async with transactions() as uow:
            await order(uow, assigned)
    async with transactions() as uow:
        await routing_orders.resume_task(uow, resumed)
    result_id = uuid.uuid4()
    async with pool.acquire() as connection:
        await connection.execute(
            "INSERT INTO results (task_id, kind, dossier_id, dossier_code, unit_code, procedure_code, layout,"
            " document_id, name, media_type, size, sha256, signer, issued_at) VALUES ($1, 'result', $2, $3, $4,"
            " '1.013978', 'land', $5, 'Giấy chứng nhận.pdf', 'application/pdf', 900, $6, 'CN=x', $7)",
            assigned.task_id,
            assigned.dossier_id,
            assigned.dossier_code,
            UNIT,
            result_id,
            "e" * 64,
            ASSIGNED + timedelta(days=4),
        )

    async with transactions() as uow:
        _task, documents = await lending.readable(uow, HANDLER, assigned.task_id)

    assert [(d["name"], d["role"]) for d in documents] == [
        ("Đơn đăng ký đất đai.pdf", "component"),
        ("Biên lai nghĩa vụ tài chính.pdf", "payment-receipt"),
        ("Giấy chứng nhận.pdf", "result"),
    ]
    assert documents[0]["size"] == len(FORM)
    assert documents[1]["received_at"] == resumed.resumed_at
    assert documents[2]["document_id"] == result_id


async def test_a_download_is_journalled_in_its_transaction_and_a_failed_one_is_not(
    pool: asyncpg.Pool, transactions: Transactions[DepartmentStore]
) -> None:
    assigned = _assignment()
    (form,) = assigned.documents
    objects = MemoryObjectStore()
    await objects.put(object_key(form.sha256), FORM, "application/pdf")
    async with transactions() as uow:
        await routing_orders.queue_task(uow, assigned)

    async def body(document: TaskDocument) -> bytes:
        return await lending.body_of(objects, document)

    async with transactions() as uow:
        _document, content = await lending.lend(
            uow, HANDLER, assigned.task_id, form.document_id, Lending.DOWNLOADED, body
        )
    objects.available = False
    with pytest.raises(ConnectionError):
        async with transactions() as uow:
            await lending.lend(uow, HANDLER, assigned.task_id, form.document_id, Lending.DOWNLOADED, body)

    assert content == FORM
    async with pool.acquire() as connection:
        rows = await connection.fetch(
            "SELECT action, actor, details FROM journal WHERE chain = $1 AND action LIKE 'document%'",
            assigned.dossier_code,
        )
    assert [(r["action"], r["actor"]) for r in rows] == [("document downloaded", "clerk:kt.lan")]
    assert str(form.document_id) in rows[0]["details"]


async def test_a_task_document_once_kept_cannot_be_changed(
    pool: asyncpg.Pool, transactions: Transactions[DepartmentStore]
) -> None:
    assigned = _assignment()
    async with transactions() as uow:
        await routing_orders.queue_task(uow, assigned)

    async with pool.acquire() as connection:
        with pytest.raises(asyncpg.PostgresError):
            await connection.execute("UPDATE task_documents SET name = 'x' WHERE task_id = $1", assigned.task_id)
        with pytest.raises(asyncpg.PostgresError):
            await connection.execute("DELETE FROM task_documents WHERE task_id = $1", assigned.task_id)


def _returned(unit: str, returned_at: datetime, province: str = "40") -> ResultReturned:
    return ResultReturned(
        dossier_id=uuid.uuid4(),
        dossier_code=f"000.01.15.H{province}-261120-{uuid.uuid4().int % 10000:04d}",
        unit_code=unit,
        way=ResultDelivery.COUNTER,
        due_at=DUE,
        returned_at=returned_at,
        sequence=12,
    )


@pytest.fixture
async def board(pool: asyncpg.Pool) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(build_board(lambda: pool))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://board") as client:
        yield client


async def test_results_returned_are_counted_on_time_by_the_appointment_per_unit_and_province(
    transactions: Transactions[DepartmentStore], board: httpx.AsyncClient
) -> None:
    on_time = _returned(UNIT, DUE)
    events = [
        on_time,
        on_time,  # redelivered: counted once
        _returned(UNIT, DUE - timedelta(days=2)),
        _returned(UNIT, DUE + timedelta(minutes=1)),  # late
        _returned("40.SNNMT", DUE + timedelta(days=1)),  # late, another unit of the province
        _returned("30742.VP", DUE - timedelta(days=1), province="91"),  # another province
        _returned(UNIT, DUE + timedelta(days=10)),  # 7 December: outside the period
    ]
    for event in events:
        async with transactions() as uow:
            await record_return(uow, event)
    period = {"from": "2026-11-01", "to": "2026-11-30"}

    unit = (await board.get(f"/v1/units/{UNIT}/stats", params=period)).json()
    province = await board.get("/v1/board/provinces/40/results", params=period)
    page = await board.get("/v1/board/provinces/40/results.html", params=period)
    unknown = await board.get("/v1/board/provinces/99/results")

    assert unit["results_returned"] == {"returned": 3, "on_time": 2, "late": 1, "on_time_rate": 2 / 3}
    assert province.status_code == 200, province.text
    body = province.json()
    assert body["name"] == "Nghệ An"
    assert body["total"] == {"returned": 4, "on_time": 2, "late": 2, "on_time_rate": 0.5}
    assert [(u["code"], u["returned"], u["late"]) for u in body["units"]] == [("17179.KT", 3, 1), ("40.SNNMT", 1, 1)]
    assert page.status_code == 200
    assert "the result returned by the appointment date on the receipt" in page.text
    assert "50,0%" in page.text
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["field"] == "province"
