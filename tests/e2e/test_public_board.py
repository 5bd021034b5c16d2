"""The public board of the running department: no token needed, figures in JSON and HTML."""

import uuid
from datetime import datetime

import asyncpg
import httpx
from stack import ServiceStack

from shared.contracts import TaskExtended, topic_of
from shared.contracts.cloudevents import headers_for
from shared.kernel.settings import CommonSettings
from tests.support.department_rows import add_task, finish_task
from tests.support.kafka import publish_raw
from tests.support.waiting import eventually

UNIT = "30742.VP"  # Phường Rạch Giá's office; March 2026 is this test's own period
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime.fromisoformat(f"2026-03-{day:02d}T{hour:02d}:{minute:02d}:00+07:00")


async def test_the_board_counts_a_month_of_completions_and_an_extension_from_the_broker(
    http: httpx.AsyncClient, stack: ServiceStack, settings: CommonSettings
) -> None:
    connection = await asyncpg.connect(settings.database_url, server_settings={"search_path": "department"})
    try:
        due = at(18, 17)
        for finished in (at(16, 9), at(18, 10), at(18, 17, 30), at(17, 15)):
            task_id = await add_task(connection, assigned_at=at(13, 9), due_at=due, unit=UNIT)
            await finish_task(connection, task_id, "approved", finished)
    finally:
        await connection.close()
    board = f"{stack.url('department')}/v1/units/{UNIT}/stats"

    before = (await http.get(board, params=MARCH)).json()["total"]
    assert before == {"completed": 4, "early": 2, "on_time": 1, "late": 1, "on_time_rate": 0.75}

    # The last one (finished on the 17th) had been extended with an apology letter.
    extension = TaskExtended(
        dossier_id=uuid.uuid4(),
        dossier_code="000.07.15.H91-260313-0001",
        task_id=task_id,
        unit_code=UNIT,
        previous_due_at=at(16, 17),
        new_due_at=due,
        reason="Cần xác minh thêm nguồn gốc đất",
        extended_by="clerk-30742",
        extended_at=at(16, 9),
    )
    await publish_raw(
        settings,
        topic_of(TaskExtended, settings.topic_prefix),
        extension.model_dump_json().encode(),
        key=str(extension.dossier_id).encode(),
        headers=headers_for(extension, source="department").as_kafka_headers(),
    )

    async def late_counted() -> dict[str, object] | None:
        total: dict[str, object] = (await http.get(board, params=MARCH)).json()["total"]
        return total if total["late"] == 2 else None

    assert await eventually(late_counted, what="the extended task counted late") == {
        "completed": 4,
        "early": 1,
        "on_time": 1,
        "late": 2,
        "on_time_rate": 0.5,
    }
    page = await http.get(f"{board}.html", params=MARCH)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân phường Rạch Giá" in page.text
    assert "50,0%" in page.text
