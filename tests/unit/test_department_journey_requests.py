"""The department's routes of the one-stop journey refuse what is wrong before touching the database: a financial
obligation's bad amount or description (422 naming the field), a document id that is not one, a caller who is not
a clerk (403), no token (401)."""

from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from services.department.settings import DepartmentSettings
from services.registry import DEPARTMENT
from shared.kernel.service_app import create_app
from tests.support import clerks

TASK = uuid4()


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    # The ASGI transport does not run the lifespan: no database, no broker, only validation.
    settings = DepartmentSettings(
        topic_prefix="unit.",
        jwks_file=clerks.issuer().write_jwks(tmp_path / "jwks.json"),
        citizen_jwks_file=clerks.citizen_issuer().write_jwks(tmp_path / "citizen-jwks.json"),
    )
    transport = httpx.ASGITransport(app=create_app(DEPARTMENT, settings))
    headers = clerks.headers("17179.KT", version=1)
    async with httpx.AsyncClient(transport=transport, base_url="http://department", headers=headers) as client:
        yield client


LEVY = "Tiền sử dụng đất"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": LEVY}, "amount_vnd"),
        ({"amount_vnd": 0, "description": LEVY}, "amount_vnd"),
        ({"amount_vnd": -5, "description": LEVY}, "amount_vnd"),
        ({"amount_vnd": 1.5, "description": LEVY}, "amount_vnd"),
        ({"amount_vnd": "1000", "description": LEVY}, "amount_vnd"),
        ({"amount_vnd": True, "description": LEVY}, "amount_vnd"),
        ({"amount_vnd": 10**13, "description": LEVY}, "amount_vnd"),
        ({"amount_vnd": 1000}, "description"),
        ({"amount_vnd": 1000, "description": "  "}, "description"),
        ({"amount_vnd": 1000, "description": "x" * 501}, "description"),
        ({"amount_vnd": 1000, "description": LEVY, "currency": "USD"}, "currency"),
    ],
)
async def test_a_bad_amount_or_description_is_refused_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    response = await client.post(f"/v1/tasks/{TASK}/financial-obligation", json=body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize("suffix", ["", "/link"])
async def test_a_document_id_that_is_not_one_is_refused_naming_it(client: httpx.AsyncClient, suffix: str) -> None:
    method = "POST" if suffix else "GET"

    response = await client.request(method, f"/v1/tasks/{TASK}/documents/42{suffix}")

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "path.document_id"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/v1/tasks/{TASK}/documents"),
        ("GET", f"/v1/tasks/{TASK}/documents/{uuid4()}"),
        ("POST", f"/v1/tasks/{TASK}/documents/{uuid4()}/link"),
    ],
)
async def test_the_documents_are_for_clerks_only(client: httpx.AsyncClient, method: str, path: str) -> None:
    anonymous = await client.request(method, path, headers={"Authorization": ""})
    integrator = await client.request(method, path, headers=clerks.client_headers("portal-40", "dossiers:read"))
    citizen = await client.request(method, path, headers=clerks.citizen_headers("040301000123"))

    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert integrator.status_code == 403, integrator.text
    assert integrator.headers["content-type"] == "application/problem+json"
    assert citizen.status_code == 403, citizen.text
