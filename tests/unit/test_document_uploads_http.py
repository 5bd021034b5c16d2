"""Uploads refused before anything is stored: who may upload, the type read from the bytes, the size limit, the name.

The ASGI transport runs no lifespan (no database, no object store): every answer here comes before either is
reached, as a refused upload must.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.intake.settings import IntakeSettings
from services.registry import INTAKE
from shared.kernel.service_app import create_app
from tests.support import clerks
from tests.support.dossiers import sample_pdf

LIMIT = 1024
CENTRE = "000.01.15.H40"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = IntakeSettings(topic_prefix="unit.", document_max_bytes=LIMIT, **clerks.trusting(tmp_path))
    transport = httpx.ASGITransport(app=create_app(INTAKE, settings))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://intake", headers=clerks.client_headers()
    ) as client:
        yield client


async def _refusal(response: httpx.Response, status: int) -> list[str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize(
    "body",
    [b"Giay chung sinh\n", b"\x7fELF\x02\x01\x01" + b"\x00" * 64, b"<html><script>alert(1)</script></html>"],
)
async def test_content_that_is_not_pdf_jpeg_or_png_is_415_whatever_it_claims(
    client: httpx.AsyncClient, body: bytes
) -> None:
    headers = {"Content-Type": "application/pdf"}
    response = await client.post("/v1/documents", params={"name": "scan.pdf"}, content=body, headers=headers)

    assert await _refusal(response, 415) == ["body"]


async def test_a_body_past_the_limit_is_413_whether_declared_or_streamed(client: httpx.AsyncClient) -> None:
    large = sample_pdf("large") + b"0" * LIMIT

    async def chunks() -> AsyncIterator[bytes]:
        yield large[:600]
        yield large[600:]

    declared = await client.post("/v1/documents", params={"name": "scan.pdf"}, content=large)
    streamed = await client.post("/v1/documents", params={"name": "scan.pdf"}, content=chunks())

    assert await _refusal(declared, 413) == ["body"]
    assert await _refusal(streamed, 413) == ["body"]


async def test_an_empty_body_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/documents", params={"name": "scan.pdf"}, content=b"")

    assert await _refusal(response, 422) == ["body"]


@pytest.mark.parametrize("name", ["scan\x00.pdf", "a/b.pdf", "x" * 256, "   "])
async def test_a_hostile_or_missing_name_is_422_naming_it(client: httpx.AsyncClient, name: str) -> None:
    response = await client.post("/v1/documents", params={"name": name}, content=sample_pdf("name"))

    assert await _refusal(response, 422) == ["query.name"]


async def test_a_name_is_required(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/documents", content=sample_pdf("name"))

    assert await _refusal(response, 422) == ["query.name"]


@pytest.mark.parametrize(
    ("headers", "field"),
    [
        (clerks.client_headers("reader", "dossiers:read"), "scope"),
        (clerks.headers("17179.KT", "handler", "approver"), "roles"),
    ],
)
async def test_only_a_submitter_a_receiver_or_a_citizen_uploads(
    client: httpx.AsyncClient, headers: dict[str, str], field: str
) -> None:
    response = await client.post("/v1/documents", params={"name": "scan.pdf"}, content=b"x", headers=headers)

    assert await _refusal(response, 403) == [field]


@pytest.mark.parametrize("path", ["/v1/documents", "/v1/dossiers/000.01.15.H40-261202-0001/documents"])
@pytest.mark.parametrize(
    ("headers", "field"),
    [
        (clerks.client_headers("reader", "dossiers:read"), "scope"),
        (clerks.headers("17179.KT", "handler", "approver"), "roles"),
    ],
)
async def test_a_caller_without_the_right_is_403_even_without_a_name(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], field: str
) -> None:
    response = await client.post(path, content=b"x", headers=headers)

    assert await _refusal(response, 403) == [field]  # who may upload is decided before the request's parameters


async def test_without_a_token_an_upload_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/documents", params={"name": "scan.pdf"}, content=sample_pdf("x"), headers={"Authorization": ""}
    )

    assert response.status_code == 401


@pytest.mark.parametrize(
    "headers",
    [clerks.headers(CENTRE, "receiver"), clerks.citizen_headers("040301000123"), clerks.client_headers()],
)
async def test_a_receiver_a_citizen_and_a_submitter_get_past_the_checks(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.post("/v1/documents", params={"name": "scan.pdf"}, content=b"text", headers=headers)

    assert await _refusal(response, 415) == ["body"]  # refused for its content, not for who sent it
