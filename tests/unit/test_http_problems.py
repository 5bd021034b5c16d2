"""Every error answer is a problem document (RFC 9457), Starlette's own errors included."""

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from shared.kernel.http_problems import PROBLEM_JSON, install_problem_handlers


class Body(BaseModel):
    name: str


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    async def add(body: Body) -> dict[str, str]:
        return {"name": body.name}

    @app.get("/broken")
    async def broken() -> None:
        raise KeyError("secret_column of table applicants")

    @app.get("/database-down")
    async def database_down() -> None:
        raise ConnectionRefusedError("connect to 10.0.0.7:5432 refused")

    @app.get("/serialization-failure")
    async def serialization_failure() -> None:
        raise asyncpg.SerializationError("could not serialize access")

    return app


async def _post(content: bytes, path: str = "/things", method: str = "POST") -> httpx.Response:
    # Server errors are answered, not raised, as a server would.
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        return await client.request(method, path, content=content, headers={"Content-Type": "application/json"})


async def test_a_body_that_is_not_text_answers_a_problem_naming_the_body() -> None:
    answer = await _post(b"\xff\xfe\x12J")

    assert answer.status_code == 400
    assert answer.headers["content-type"] == PROBLEM_JSON
    assert answer.json()["title"] == "Malformed JSON"
    assert answer.json()["errors"][0]["field"] == "body"


async def test_malformed_json_and_a_missing_field_name_the_field() -> None:
    malformed, missing = await _post(b"{not json"), await _post(b"{}")

    assert (malformed.status_code, malformed.json()["errors"][0]["field"]) == (400, "body")
    assert (missing.status_code, missing.json()["errors"]) == (422, [{"field": "name", "reason": "Field required"}])
    assert missing.headers["content-type"] == PROBLEM_JSON


async def test_an_unknown_route_and_a_wrong_method_are_problems_too_with_their_headers() -> None:
    unknown, wrong = await _post(b"{}", path="/nothing"), await _post(b"", method="DELETE")

    assert (unknown.status_code, unknown.headers["content-type"], unknown.json()["title"]) == (
        404,
        PROBLEM_JSON,
        "Not Found",
    )
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "POST")
    assert wrong.json()["status"] == 405


async def test_an_unexpected_error_is_a_500_problem_that_tells_nothing_of_the_internals() -> None:
    answer = await _post(b"", path="/broken", method="GET")

    assert (answer.status_code, answer.headers["content-type"]) == (500, PROBLEM_JSON)
    assert answer.json()["status"] == 500
    assert "secret_column" not in answer.text
    assert "Traceback" not in answer.text


@pytest.mark.parametrize("path", ["/database-down", "/serialization-failure"])
async def test_a_transient_failure_is_a_503_problem_saying_when_to_retry(path: str) -> None:
    answer = await _post(b"", path=path, method="GET")

    assert (answer.status_code, answer.headers["content-type"]) == (503, PROBLEM_JSON)
    assert int(answer.headers["retry-after"]) > 0
    assert "10.0.0.7" not in answer.text
