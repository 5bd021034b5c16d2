"""How a service finds its own PostgreSQL login, and that every place making the roles names the same schemas."""

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from services.registry import SERVICES
from shared.kernel.db_roles import SchemaRoles, login_dsn, schema_roles
from shared.kernel.settings import CommonSettings

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = [service.name for service in SERVICES] + ["operations"]
ADMIN_URL = "postgresql://lienthong:admin-secret@db.example:5432/lienthong?sslmode=require"


def test_a_service_logs_in_as_its_own_role_with_the_password_file_by_default(tmp_path: Path) -> None:
    settings = CommonSettings(database_url=ADMIN_URL, database_passfile=tmp_path / "roles.pgpass")

    url = urlsplit(login_dsn(settings, "routing"))

    assert (url.username, url.password, url.hostname, url.port, url.path) == (
        "lienthong_routing",
        None,
        "db.example",
        5432,
        "/lienthong",
    )
    assert parse_qs(url.query) == {"sslmode": ["require"], "passfile": [str(tmp_path / "roles.pgpass")]}


def test_a_password_and_a_user_given_in_the_environment_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIENTHONG_DATABASE_URL", ADMIN_URL)
    monkeypatch.setenv("LIENTHONG_DATABASE_USER", "routing_prod")
    monkeypatch.setenv("LIENTHONG_DATABASE_PASSWORD", "p@ss:word/1")
    settings = CommonSettings()

    url = urlsplit(login_dsn(settings, "routing"))

    assert (url.username, url.password) == ("routing_prod", "p%40ss%3Aword%2F1")
    assert "passfile" not in parse_qs(url.query)
    assert schema_roles(settings, "routing") == SchemaRoles("routing", "routing_prod", "routing_prod_owner")


def test_the_roles_of_a_schema_are_named_after_it() -> None:
    assert SchemaRoles.of("intake") == SchemaRoles("intake", "lienthong_intake", "lienthong_intake_owner")


@pytest.mark.parametrize("script", ["deploy/local/postgres.sh", "deploy/postgres/roles.sh"])
def test_the_scripts_making_the_roles_know_every_schema(script: str) -> None:
    text = (REPO / script).read_text(encoding="utf-8")
    listed = re.search(r"^\s*(?:SCHEMAS=\(|for schema in )([a-z ]+)", text, re.MULTILINE)
    assert listed is not None
    assert listed.group(1).split() == SCHEMAS


def test_compose_gives_each_service_the_password_of_its_role() -> None:
    compose: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    postgres = compose["postgres"]
    assert "./deploy/postgres/roles.sh:/docker-entrypoint-initdb.d/roles.sh:ro" in postgres["volumes"]
    for service in SERVICES:
        variable = f"PG_{service.name.upper()}_PASSWORD"
        assert compose[service.name]["environment"]["LIENTHONG_DATABASE_PASSWORD"] == postgres["environment"][variable]
        assert "LIENTHONG_DATABASE_USER" not in compose[service.name]["environment"]  # lienthong_<service>
