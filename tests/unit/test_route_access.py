"""Every route declares who may call it: the kernel refuses an app with an undeclared route, and answers
401 without a token, 403 without the right, as problem documents."""

from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from services.registry import SERVICES
from shared.kernel.auth.configured import token_verifier
from shared.kernel.auth.http import (
    OPERATOR,
    PUBLIC,
    AnyCaller,
    ClerkCaller,
    UndeclaredAccessError,
    enforce_access,
    undeclared_routes,
)
from shared.kernel.http_problems import install_problem_handlers
from shared.kernel.service import Service
from shared.kernel.service_app import create_app
from shared.kernel.settings import CommonSettings
from tests.support import clerks


def _app(tmp_path: Path) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.token_verifier = token_verifier(CommonSettings(**clerks.trusting(tmp_path)))

    @app.get("/open", dependencies=[PUBLIC])
    async def open_route() -> dict[str, str]:
        return {}

    @app.get("/ops", dependencies=[OPERATOR])
    async def ops() -> dict[str, str]:
        return {}

    @app.get("/mine")
    async def mine(caller: AnyCaller) -> dict[str, str]:
        return {"client": caller.client_id}

    @app.get("/clerks")
    async def clerk_only(clerk: ClerkCaller) -> dict[str, str]:
        return {"clerk": clerk.id}

    return app


def test_an_app_with_a_route_that_declares_no_access_is_refused() -> None:
    def declare(settings: CommonSettings) -> Service[Any]:
        router = APIRouter()

        @router.get("/v1/forgotten")
        async def forgotten() -> dict[str, str]:
            return {}

        return Service(name="routing", title="t", store=lambda c: c, routers=lambda _runtime: [router])

    entry = SERVICES[1].__class__("routing", 8002, CommonSettings, SERVICES[1].migrations, declare)

    with pytest.raises(UndeclaredAccessError, match="GET /v1/forgotten"):
        create_app(entry)


def test_every_route_of_every_service_declares_its_access() -> None:
    for entry in SERVICES:
        assert undeclared_routes(create_app(entry), frozenset()) == [], entry.name


def test_public_routes_are_documented_without_security_and_others_with_the_bearer_scheme(tmp_path: Path) -> None:
    app = _app(tmp_path)
    enforce_access(app, frozenset())
    paths = app.openapi()["paths"]

    assert paths["/open"]["get"]["security"] == []
    assert paths["/ops"]["get"]["security"] == [{"bearer": []}]
    assert paths["/mine"]["get"]["security"] == [{"bearer": []}]


def test_without_a_token_401_with_a_token_of_another_kind_403(tmp_path: Path) -> None:
    client = TestClient(_app(tmp_path))
    citizen = clerks.citizen_headers("001090012345")

    assert client.get("/open").status_code == 200
    unauthenticated = client.get("/mine")
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["content-type"] == "application/problem+json"
    assert unauthenticated.headers["www-authenticate"].startswith("Bearer")
    assert client.get("/mine", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert client.get("/mine", headers=citizen).json()["client"].startswith("citizen:")
    assert client.get("/ops", headers=citizen).status_code == 403
    assert client.get("/ops", headers=clerks.client_headers("portal")).status_code == 403
    assert client.get("/ops", headers=clerks.operator_headers()).status_code == 200
    assert client.get("/clerks", headers=clerks.operator_headers()).status_code == 403
    assert client.get("/clerks", headers=clerks.headers("17179.KT")).json() == {"clerk": "clerk.17179.KT"}
