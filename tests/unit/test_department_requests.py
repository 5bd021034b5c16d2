"""Department's clerk actions refuse malformed bodies before touching the database (422 problems)."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest

from services.department.api import TaskView
from services.department.app import create_app
from shared.settings import CommonSettings

TASK = uuid4()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # The ASGI transport does not run the lifespan: no database, no broker, only validation.
    transport = httpx.ASGITransport(app=create_app(CommonSettings(topic_prefix="unit.")))
    async with httpx.AsyncClient(transport=transport, base_url="http://department") as client:
        yield client


async def _fields(client: httpx.AsyncClient, path: str, body: Any) -> list[str]:
    response = await client.post(path, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"clerk_id": "c1"}, "missing"),
        ({"missing": [], "clerk_id": "c1"}, "missing"),
        ({"missing": [" "], "clerk_id": "c1"}, "missing.0"),
        ({"missing": ["Sơ đồ thửa đất"]}, "clerk_id"),
        ({"missing": ["Sơ đồ thửa đất"], "clerk_id": ""}, "clerk_id"),
        ({"missing": ["Sơ đồ thửa đất"], "clerk_id": "c1", "reason": "x"}, "reason"),
    ],
)
async def test_a_bad_supplement_request_is_refused_naming_the_field(
    client: httpx.AsyncClient, body: Any, field: str
) -> None:
    assert field in await _fields(client, f"/v1/tasks/{TASK}/supplement-request", body)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"clerk_id": "c1"}, "reason"),
        ({"reason": "  ", "clerk_id": "c1"}, "reason"),
        ({"reason": "r" * 2001, "clerk_id": "c1"}, "reason"),
        ({"reason": "không thuộc thẩm quyền"}, "clerk_id"),
    ],
)
async def test_a_return_without_reason_or_clerk_is_refused(client: httpx.AsyncClient, body: Any, field: str) -> None:
    assert field in await _fields(client, f"/v1/tasks/{TASK}/return", body)


async def test_a_task_id_that_is_not_a_uuid_is_refused(client: httpx.AsyncClient) -> None:
    body = {"reason": "không thuộc thẩm quyền", "clerk_id": "c1"}

    assert "path.task_id" in await _fields(client, "/v1/tasks/42/return", body)


async def test_the_queue_filter_refuses_an_unknown_status(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/units/17179.KT/tasks", params={"status": "closed"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.status"


def test_a_task_view_reads_a_row_assigned_before_plans() -> None:
    row = {
        "id": TASK,
        "dossier_id": uuid4(),
        "dossier_code": "000.01.15.H40-250814-0001",
        "unit_code": "17179.VP",
        "procedure_code": "1.001193",
        "task_key": None,
        "stage": None,
        "status": "cancelled",
        "version": 2,
        "reason": "dossier withdrawn",
        "missing": [],
        "completed_by": None,
        "assigned_at": datetime(2025, 8, 14, 8, tzinfo=UTC),
        "due_at": None,
        "completed_at": datetime(2025, 8, 15, 8, tzinfo=UTC),
    }

    view = TaskView.model_validate(row).model_dump(mode="json")

    assert view["status"] == "cancelled"
    assert view["due_at"] is None
    assert view["task_key"] is None
