"""Hostile input is refused at every service's edge with a 422 problem naming the field, never a 500.

The apps run without their lifespan (no database, no broker): a request that got past the edge and
reached the database would answer 500, so every 422 here also shows the request stopped at the edge.
"""

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from services.department.settings import DepartmentSettings
from services.intake.settings import IntakeSettings
from services.notification.settings import NotificationSettings
from services.registry import DEPARTMENT, INTAKE, NOTIFICATION, ROUTING
from shared.kernel.http_problems import PROBLEM_JSON
from shared.kernel.service_app import create_app
from shared.kernel.settings import CommonSettings
from tests.support import clerks

CODE = "000.01.15.H40-250814-0001"
UNIT = "17179.KT"
NUL = "\x00"
SURROGATE = b'"\\ud800"'  # a lone surrogate, as JSON escapes it
APPLICANT = {"citizen_id": "040301000123", "full_name": "Hồ Thị Lan", "date_of_birth": "2001-05-14"}
DOSSIER = {"procedure_code": "1.001193", "receiving_agency": "000.01.15.H40", "commune_code": "17179"}


def _dossier(**applicant: str) -> dict[str, Any]:
    return {**DOSSIER, "applicant": {**APPLICANT, **applicant}}


def _apps(tmp_path: Path) -> dict[str, FastAPI]:
    trusted = clerks.trusting(tmp_path)
    return {
        "intake": create_app(INTAKE, IntakeSettings(topic_prefix="unit.", **trusted)),
        "routing": create_app(ROUTING, CommonSettings(topic_prefix="unit.", **trusted)),
        "department": create_app(DEPARTMENT, DepartmentSettings(topic_prefix="unit.", **trusted)),
        "notification": create_app(NOTIFICATION, NotificationSettings(topic_prefix="unit.", **trusted)),
    }


def _headers(service: str) -> dict[str, str]:
    """A caller each service lets through to the validation of the request."""
    if service == "department":
        return clerks.headers(UNIT, version=1)
    if service == "intake":
        return clerks.client_headers()
    return clerks.operator_headers()


@pytest.fixture
async def clients(tmp_path: Path) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    # Server errors are answered, not raised, as a server would: a 500 fails the tests below by its status.
    opened = {
        name: httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url=f"http://{name}",
            headers=_headers(name),
        )
        for name, app in _apps(tmp_path).items()
    }
    yield opened
    for client in opened.values():
        await client.aclose()


def _refused(response: httpx.Response, status: int = 422) -> list[str]:
    """The fields a problem answer names, after checking it is one."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    return [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize(
    ("service", "path", "field"),
    [
        ("intake", "/v1/dossiers/{}", "path.code"),
        ("intake", "/v1/dossiers/{}/published-events", "path.code"),
        ("routing", "/v1/dossiers/{}/plan", "path.code"),
        ("routing", "/v1/dossiers/{}/published-events", "path.code"),
        ("department", "/v1/units/{}/tasks", "path.unit"),
        ("department", "/v1/units/{}/stats", "path.unit"),
        ("department", "/v1/dossiers/{}/tasks", "path.code"),
        ("notification", "/v1/dossiers/{}/notifications", "path.code"),
        ("notification", "/v1/dossiers/{}/portal-syncs", "path.code"),
    ],
)
async def test_a_nul_in_a_path_parameter_is_refused_naming_it(
    clients: dict[str, httpx.AsyncClient], service: str, path: str, field: str
) -> None:
    assert _refused(await clients[service].get(path.format("A%00B"))) == [field]


@pytest.mark.parametrize(
    ("service", "path", "field"),
    [
        ("intake", "/v1/identity-checks?receiving_agency=000%00", "query.receiving_agency"),
        ("department", f"/v1/units/{UNIT}/tasks?dossier=x%00", "query.dossier"),
        ("department", f"/v1/units/{UNIT}/tasks?field=land%00", "query.field"),
        ("department", f"/v1/units/{UNIT}/audit?actor=%00", "query.actor"),
        ("notification", "/v1/deliveries?dossier=x%00", "query.dossier"),
    ],
)
async def test_a_nul_in_a_filter_is_refused_naming_it(
    clients: dict[str, httpx.AsyncClient], service: str, path: str, field: str
) -> None:
    assert _refused(await clients[service].get(path)) == [field]


@pytest.mark.parametrize(
    ("service", "path", "body", "field"),
    [
        ("intake", "/v1/dossiers", _dossier(full_name=f"Lan{NUL}"), "applicant.full_name"),
        ("intake", "/v1/dossiers", _dossier(zalo_user_id=NUL), "applicant.zalo_user_id"),
        ("intake", f"/v1/dossiers/{CODE}/supplements", {"documents": ["ok", f"Sơ đồ{NUL}"]}, "documents.1"),
        ("department", f"/v1/tasks/{uuid4()}/comments", {"text": f"Đã gọi{NUL}"}, "text"),
        ("department", f"/v1/tasks/{uuid4()}/refuse", {"reason": NUL}, "reason"),
        ("notification", "/v1/deliveries/1/retry", {"by": "ops", "reason": f"back{NUL}"}, "reason"),
    ],
)  # fmt: skip
async def test_a_nul_in_a_body_field_is_refused_naming_it(
    clients: dict[str, httpx.AsyncClient], service: str, path: str, body: dict[str, Any], field: str
) -> None:
    assert _refused(await clients[service].post(path, json=body)) == [field]


@pytest.mark.parametrize(
    ("service", "path", "template", "field"),
    [
        ("intake", f"/v1/dossiers/{CODE}/withdrawal", b'{"reason": %s}', "reason"),
        ("intake", "/v1/dossiers", b'{"procedure_code": %s}', "procedure_code"),
        ("department", f"/v1/tasks/{uuid4()}/supplement-request", b'{"missing": [%s]}', "missing.0"),
        ("notification", "/v1/deliveries/1/retry", b'{"by": %s, "reason": "r"}', "by"),
    ],
)
async def test_a_lone_surrogate_in_a_body_field_is_refused_naming_it(
    clients: dict[str, httpx.AsyncClient], service: str, path: str, template: bytes, field: str
) -> None:
    headers = {"Content-Type": "application/json"}
    answer = await clients[service].post(path, content=template % SURROGATE, headers=headers)

    assert _refused(answer) == [field]


async def test_a_field_name_with_a_lone_surrogate_is_refused_and_echoed_escaped(
    clients: dict[str, httpx.AsyncClient],
) -> None:
    content = b'{"reason": "r", ' + SURROGATE + b": 1}"
    answer = await clients["intake"].post(
        f"/v1/dossiers/{CODE}/withdrawal", content=content, headers={"Content-Type": "application/json"}
    )

    assert _refused(answer) == ["\\ud800"]


@pytest.mark.parametrize(
    "due_before",
    ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9999-12-31T20:00:00-05:00"],
)
async def test_a_due_before_beyond_the_representable_instants_is_refused(
    clients: dict[str, httpx.AsyncClient], due_before: str
) -> None:
    answer = await clients["department"].get(f"/v1/units/{UNIT}/tasks", params={"due_before": due_before})

    assert _refused(answer) == ["query.due_before"]


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "position"),
    [
        ("tasks", ["inbox", "9999-12-31T23:59:59-14:00", "2025-08-14T08:00:00+07:00", str(uuid4())]),
        ("tasks", ["inbox", None, "0001-01-01T00:00:00+14:00", str(uuid4())]),
        ("tasks", ["inbox", None, "2025-08-14T08:00:00", str(uuid4())]),  # no offset
        ("tasks", ["inbox", None, "2025-08-14T08:00:00+07:00", "not-a-uuid"]),
        ("audit", ["audit", 2**63]),
        ("audit", ["audit", 10**40]),
        ("audit", ["audit", -1]),
        ("audit", ["audit", "12"]),
    ],
)
async def test_a_cursor_out_of_range_or_forged_is_refused_naming_it(
    clients: dict[str, httpx.AsyncClient], path: str, position: list[Any]
) -> None:
    answer = await clients["department"].get(f"/v1/units/{UNIT}/{path}", params={"cursor": _cursor(position)})

    assert _refused(answer) == ["query.cursor"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("full_name", "Hồ Thị Lan\r\nBcc: everyone@example.vn"),
        ("full_name", "Hồ Thị\nLan"),
        ("email", "lan@example.vn\r\nBcc: everyone@example.vn"),
        ("email", "lan@example.vn\n"),
        ("email", "lan ho@example.vn"),
        ("email", "lan.example.vn"),
        ("zalo_user_id", "12345\r\n"),
    ],
)
async def test_a_line_break_in_an_applicants_name_or_contact_is_refused(
    clients: dict[str, httpx.AsyncClient], field: str, value: str
) -> None:
    answer = await clients["intake"].post("/v1/dossiers", json=_dossier(**{field: value}))

    assert _refused(answer) == [f"applicant.{field}"]


async def test_an_integer_beyond_the_databases_range_is_refused(clients: dict[str, httpx.AsyncClient]) -> None:
    answer = await clients["notification"].post(f"/v1/deliveries/{2**63}/retry", json={"by": "ops", "reason": "r"})

    assert _refused(answer) == ["path.delivery_id"]


@pytest.mark.parametrize(
    ("service", "path", "field"),
    [
        ("department", f"/v1/units/{UNIT}/stats?from=0001-01-01&to=0001-01-02", "from"),
        ("department", f"/v1/units/{UNIT}/stats.html?from=9999-12-30&to=9999-12-31", "from"),
        ("department", f"/v1/units/{UNIT}/stats?to=0001-01-01", "from"),
    ],
)
async def test_a_day_at_the_edges_of_the_calendar_is_refused(
    clients: dict[str, httpx.AsyncClient], service: str, path: str, field: str
) -> None:
    assert _refused(await clients[service].get(path)) == [field]


@pytest.mark.parametrize("born", ["0001-01-01", "9999-12-31"])
async def test_a_date_of_birth_at_the_edges_of_the_calendar_is_refused(
    clients: dict[str, httpx.AsyncClient], born: str
) -> None:
    answer = await clients["intake"].post("/v1/dossiers", json=_dossier(date_of_birth=born))

    assert _refused(answer)[0].startswith("applicant.")
