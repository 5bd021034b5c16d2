"""Every error answer is a problem document (RFC 9457), Starlette's own errors included."""

import httpx
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

    return app


async def _post(content: bytes, path: str = "/things", method: str = "POST") -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
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
