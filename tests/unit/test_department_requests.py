"""Department's clerk actions refuse malformed bodies before touching the database (422 problems)."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest

from services.department.api import TaskView
from services.department.settings import DepartmentSettings
from services.registry import DEPARTMENT
from shared.kernel.service_app import create_app
from tests.support import clerks

TASK = uuid4()


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    # The ASGI transport does not run the lifespan: no database, no broker, only validation.
    settings = DepartmentSettings(topic_prefix="unit.", jwks_file=clerks.issuer().write_jwks(tmp_path / "jwks.json"))
    transport = httpx.ASGITransport(app=create_app(DEPARTMENT, settings))
    headers = clerks.headers("17179.KT", version=1)
    async with httpx.AsyncClient(transport=transport, base_url="http://department", headers=headers) as client:
        yield client


async def _fields(client: httpx.AsyncClient, path: str, body: Any) -> list[str]:
    response = await client.post(path, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "missing"),
        ({"missing": []}, "missing"),
        ({"missing": [" "]}, "missing.0"),
        ({"missing": ["Sơ đồ thửa đất"], "clerk_id": "c1"}, "clerk_id"),
        ({"missing": ["Sơ đồ thửa đất"], "reason": "x"}, "reason"),
    ],
)
async def test_a_bad_supplement_request_is_refused_naming_the_field(
    client: httpx.AsyncClient, body: Any, field: str
) -> None:
    assert field in await _fields(client, f"/v1/tasks/{TASK}/supplement-request", body)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "reason"),
        ({"reason": "  "}, "reason"),
        ({"reason": "r" * 2001}, "reason"),
    ],
)
async def test_a_return_without_reason_is_refused(client: httpx.AsyncClient, body: Any, field: str) -> None:
    assert field in await _fields(client, f"/v1/tasks/{TASK}/return", body)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "clerk_id"),
        ({"clerk_id": "  "}, "clerk_id"),
        ({"clerk_id": "c" * 201}, "clerk_id"),
        ({"clerk_id": "kt.le-minh", "reason": "x"}, "reason"),
    ],
)
async def test_a_reassignment_must_name_the_clerk_and_nothing_else(
    client: httpx.AsyncClient, body: Any, field: str
) -> None:
    assert field in await _fields(client, f"/v1/tasks/{TASK}/reassignment", body)


@pytest.mark.parametrize("path", ["refuse", "comments"])
async def test_a_refusal_or_comment_without_text_is_refused(client: httpx.AsyncClient, path: str) -> None:
    assert await _fields(client, f"/v1/tasks/{TASK}/{path}", {}) in (["reason"], ["text"])


async def test_a_task_id_that_is_not_a_uuid_is_refused(client: httpx.AsyncClient) -> None:
    body = {"reason": "không thuộc thẩm quyền"}

    assert "path.task_id" in await _fields(client, "/v1/tasks/42/return", body)


async def test_the_queue_filter_refuses_an_unknown_status(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/units/17179.KT/tasks", params={"status": "closed"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.status.0"


async def test_an_action_without_a_token_is_refused_before_its_body_is_read(client: httpx.AsyncClient) -> None:
    response = await client.post(f"/v1/tasks/{TASK}/return", json={}, headers={"Authorization": ""})

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["field"] == "Authorization"


async def test_an_action_without_if_match_asks_for_it(client: httpx.AsyncClient) -> None:
    del client.headers["If-Match"]
    response = await client.post(f"/v1/tasks/{TASK}/claim")

    assert response.status_code == 428
    assert response.json()["errors"][0]["field"] == "If-Match"


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
