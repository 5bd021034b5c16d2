"""Intake refuses an applicant whose citizen ID cannot be theirs before it touches the database or anyone else."""

import copy
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.intake.requests import DossierSubmission
from services.intake.settings import IntakeSettings
from services.registry import INTAKE
from shared.kernel.service_app import create_app
from tests.support import clerks

TO = "\N{EN DASH}"
DOSSIER: dict[str, Any] = {
    "procedure_code": "1.001193",
    "applicant": {"citizen_id": "091085004321", "full_name": "Trần Văn Minh", "date_of_birth": "1985-03-02"},
    "receiving_agency": "000.01.15.H40",
    "commune_code": "17179",
}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    # No lifespan: no database and no population database. A request reaching either would fail with 500.
    settings = IntakeSettings(
        topic_prefix="unit.", population_db_url="http://127.0.0.1:9/unreachable", **clerks.trusting(tmp_path)
    )
    transport = httpx.ASGITransport(app=create_app(INTAKE, settings))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://intake", headers=clerks.client_headers()
    ) as client:
        yield client


def _with(**applicant: Any) -> dict[str, Any]:
    dossier = copy.deepcopy(DOSSIER)
    dossier["applicant"].update(applicant)
    return {**dossier, "applicant": {k: v for k, v in dossier["applicant"].items() if v is not None}}


@pytest.mark.parametrize(
    ("dossier", "field", "reason"),
    [
        (_with(date_of_birth=None), "applicant.date_of_birth", "Field required"),
        (
            _with(citizen_id="099085004321"),
            "applicant.citizen_id",
            f"digits 1{TO}3 (province of birth registration) are '099': no province has that code",
        ),
        (
            _with(citizen_id="091285004321"),
            "applicant.citizen_id",
            f"digit 4 (century and sex) is '2': born 2000{TO}2099, but date_of_birth is 1985-03-02",
        ),
        (
            _with(citizen_id="091086004321"),
            "applicant.citizen_id",
            f"digits 5{TO}6 (year of birth) are '86', but date_of_birth is in 1985",
        ),
        (_with(date_of_birth="1985-02-30"), "applicant.date_of_birth", "valid date"),
    ],
)
async def test_an_applicant_whose_id_does_not_fit_is_refused_naming_the_field(
    client: httpx.AsyncClient, dossier: dict[str, Any], field: str, reason: str
) -> None:
    response = await client.post("/v1/dossiers", json=dossier)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert any(e["field"] == field and reason in e["reason"] for e in errors), errors


async def test_a_date_of_birth_after_today_is_refused(client: httpx.AsyncClient) -> None:
    tomorrow = date.today() + timedelta(days=2)
    citizen_id = f"0403{tomorrow.year % 100:02d}000123"

    response = await client.post("/v1/dossiers", json=_with(citizen_id=citizen_id, date_of_birth=tomorrow.isoformat()))

    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "applicant.date_of_birth"
    assert "is after today" in error["reason"]


@pytest.mark.parametrize("portal_id", ["", "x" * 65, "G22 99", "G22/99", "hồ-sơ-1"])
async def test_a_malformed_portal_dossier_id_is_refused(client: httpx.AsyncClient, portal_id: str) -> None:
    response = await client.post("/v1/dossiers", json={**DOSSIER, "portal_dossier_id": portal_id})

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["portal_dossier_id"]


@pytest.mark.parametrize("portal_id", ["G22.99-251114-000123", "a", "urn:dvcqg:1.2_3-4", "x" * 64])
def test_portal_dossier_ids_of_the_pattern_are_taken(portal_id: str) -> None:
    assert DossierSubmission.model_validate({**DOSSIER, "portal_dossier_id": portal_id}).portal_dossier_id == portal_id


def test_the_date_of_birth_is_required_in_the_openapi_document_but_not_in_the_event() -> None:
    schema = create_app(INTAKE, IntakeSettings(topic_prefix="unit.")).openapi()["components"]["schemas"]

    assert "date_of_birth" in schema["ApplicantAtIntake"]["required"]
    assert "date_of_birth" not in schema.get("Applicant", {}).get("required", [])
