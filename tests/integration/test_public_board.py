"""The public board on the real PostgreSQL, over HTTP: figures per unit and procedure, JSON and HTML."""

import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from services.department.adapters.postgres_store import PostgresDepartmentStore
from services.department.stats.api import build_board
from shared.contracts import TaskExtended
from shared.kernel.http_problems import install_problem_handlers
from shared.kernel.settings import CommonSettings
from tests.support.department_rows import add_task, department_schema, finish_task

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
UNIT = "17179.VP"
BIRTH, DEATH = "1.001193", "1.000656"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=HCM)


@pytest.fixture
async def pool(settings: CommonSettings) -> AsyncIterator[asyncpg.Pool]:
    _, pool = await department_schema(settings.database_url, "it_board")
    yield pool
    await pool.close()


@pytest.fixture
async def board(pool: asyncpg.Pool) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(build_board(lambda: pool))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://board") as client:
        yield client


async def record_extension(pool: asyncpg.Pool, extended: TaskExtended) -> None:
    """Note the extension as the clerk's action does."""
    async with pool.acquire() as connection:
        await PostgresDepartmentStore(connection).record_extension(extended)


async def completed(
    pool: asyncpg.Pool,
    due: datetime,
    finished: datetime,
    *,
    status: str = "approved",
    procedure: str = BIRTH,
    unit: str = UNIT,
) -> uuid.UUID:
    task_id = await add_task(pool, assigned_at=due - timedelta(days=3), due_at=due, unit=unit, procedure=procedure)
    await finish_task(pool, task_id, status, finished)
    return task_id


async def november(pool: asyncpg.Pool) -> None:
    """A month of one commune office: every kind of completion, and what must not count."""
    due = at(11, 25, 17)
    await completed(pool, due, at(11, 23, 10))  # early
    await completed(pool, due, at(11, 24, 16), status="refused")  # early: a refusal is a decision too
    await completed(pool, due, at(11, 25, 9))  # on time
    await completed(pool, due, due)  # on time, at the last second
    await completed(pool, due, at(11, 25, 17, 1))  # late
    extended = await completed(pool, due, at(11, 24, 9))  # early by the clock, but apologised for: late
    await record_extension(
        pool,
        TaskExtended(
            dossier_id=uuid.uuid4(),
            dossier_code="000.01.15.H40-261120-0001",
            task_id=extended,
            unit_code=UNIT,
            previous_due_at=at(11, 23, 17),
            new_due_at=due,
            reason="Cần xác minh thêm",
            extended_by="clerk-1",
            extended_at=at(11, 23, 10),
        ),
    )
    await completed(pool, due, at(11, 20, 9), procedure=DEATH)  # early, another procedure
    await completed(pool, due, at(11, 26, 9), procedure=DEATH)  # late
    # Not counted: returned, cancelled, open, no due time, another unit, another month.
    await completed(pool, due, at(11, 24, 9), status="returned")
    await completed(pool, due, at(11, 24, 9), status="cancelled")
    await add_task(pool, assigned_at=at(11, 20, 9), due_at=due)
    no_due = await add_task(pool, assigned_at=at(11, 20, 9), due_at=None)
    await finish_task(pool, no_due, "approved", at(11, 21, 9))
    await completed(pool, due, at(11, 24, 9), unit="17179.CA")
    await completed(pool, at(10, 30, 17), at(10, 31, 23, 59))  # 31 October, late, outside the period
    await completed(pool, at(12, 1, 17), at(12, 1, 0, 0))  # 1 December, outside the period


async def test_the_figures_count_each_completion_once_by_unit_and_procedure(
    pool: asyncpg.Pool, board: httpx.AsyncClient
) -> None:
    await november(pool)

    response = await board.get(f"/v1/units/{UNIT}/stats", params={"from": "2026-11-01", "to": "2026-11-30"})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["unit"] == {"code": UNIT, "name": "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã Quỳnh Lưu"}
    assert body["period"] == {"from": "2026-11-01", "to": "2026-11-30", "timezone": "Asia/Ho_Chi_Minh"}
    assert body["total"] == {"completed": 8, "early": 3, "on_time": 2, "late": 3, "on_time_rate": 5 / 8}
    by_code = {p["code"]: p for p in body["procedures"]}
    assert list(by_code) == [DEATH, BIRTH]
    assert by_code[BIRTH] | {"name": None} == {
        "code": BIRTH,
        "name": None,
        "completed": 6,
        "early": 2,
        "on_time": 2,
        "late": 2,
        "on_time_rate": 4 / 6,
    }
    assert by_code[BIRTH]["name"]
    assert (by_code[DEATH]["early"], by_code[DEATH]["late"], by_code[DEATH]["on_time_rate"]) == (1, 1, 0.5)


async def test_the_page_shows_the_same_figures(pool: asyncpg.Pool, board: httpx.AsyncClient) -> None:
    await november(pool)

    response = await board.get(f"/v1/units/{UNIT}/stats.html", params={"from": "2026-11-01", "to": "2026-11-30"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã Quỳnh Lưu" in page
    assert "62,5%" in page
    assert "Từ ngày 01/11/2026 đến ngày 30/11/2026" in page
    assert "<script" not in page


async def test_a_unit_without_completions_has_no_rate(board: httpx.AsyncClient) -> None:
    response = await board.get("/v1/units/40.SNNMT/stats")

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == {"completed": 0, "early": 0, "on_time": 0, "late": 0, "on_time_rate": None}
    assert body["procedures"] == []
    today = datetime.now(HCM).date()
    assert body["period"]["from"] == today.replace(day=1).isoformat()
    assert date.fromisoformat(body["period"]["to"]).month == today.month


async def test_an_unknown_unit_answers_404(board: httpx.AsyncClient) -> None:
    for path in ("/v1/units/99999.VP/stats", "/v1/units/%3Cscript%3E/stats.html"):
        response = await board.get(path)
        assert response.status_code == 404
        assert response.json()["errors"][0]["field"] == "unit"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-11-30", "to": "2026-11-01"}, "from"),
        ({"from": "2024-01-01", "to": "2026-11-01"}, "from"),
        ({"from": "30/11/2026"}, "query.from"),
    ],
)
async def test_a_wrong_period_answers_422(board: httpx.AsyncClient, params: dict[str, str], field: str) -> None:
    response = await board.get(f"/v1/units/{UNIT}/stats", params=params)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


async def test_an_extension_is_recorded_once(pool: asyncpg.Pool) -> None:
    event = TaskExtended(
        dossier_id=uuid.uuid4(),
        dossier_code="000.01.15.H40-261120-0002",
        task_id=uuid.uuid4(),
        unit_code=UNIT,
        previous_due_at=at(11, 23, 17),
        new_due_at=at(11, 27, 17),
        reason="Cần xác minh thêm",
        extended_by="clerk-1",
        extended_at=at(11, 23, 10),
    )
    await record_extension(pool, event)
    await record_extension(pool, event)
    assert await pool.fetchval("SELECT count(*) FROM task_extensions WHERE task_id = $1", event.task_id) == 1
