"""Intake's new commands refuse malformed bodies before touching the database (422 problems naming the field)."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from services.intake.requests import DossierSubmission, SupplementSubmission, Withdrawal
from services.intake.settings import IntakeSettings
from services.registry import INTAKE
from shared.kernel.service_app import create_app
from tests.support import clerks

CODE = "000.01.15.H40-250814-0001"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    # The ASGI transport does not run the lifespan: no database, no broker, only validation.
    transport = httpx.ASGITransport(
        app=create_app(INTAKE, IntakeSettings(topic_prefix="unit.", **clerks.trusting(tmp_path)))
    )
    async with httpx.AsyncClient(
        transport=transport, base_url="http://intake", headers=clerks.client_headers()
    ) as client:
        yield client


async def _fields(client: httpx.AsyncClient, path: str, body: Any) -> list[str]:
    response = await client.post(path, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "documents"),
        ({"documents": []}, "documents"),
        ({"documents": ["   "]}, "documents.0"),
        ({"documents": ["Sơ đồ thửa đất", "x" * 501]}, "documents.1"),
        ({"documents": ["Sơ đồ thửa đất"], "note": "n" * 2001}, "note"),
        ({"documents": ["Sơ đồ thửa đất"], "colour": "red"}, "colour"),
    ],
)
async def test_a_bad_supplement_is_refused_naming_the_field(client: httpx.AsyncClient, body: Any, field: str) -> None:
    assert field in await _fields(client, f"/v1/dossiers/{CODE}/supplements", body)


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "reason"), ({"reason": ""}, "reason"), ({"reason": " \n"}, "reason"), ({"reason": "r" * 2001}, "reason")],
)
async def test_a_withdrawal_without_a_usable_reason_is_refused(
    client: httpx.AsyncClient, body: Any, field: str
) -> None:
    assert field in await _fields(client, f"/v1/dossiers/{CODE}/withdrawal", body)


async def test_components_must_be_a_list_of_strings(client: httpx.AsyncClient) -> None:
    body = {
        "procedure_code": "1.001193",
        "applicant": {"citizen_id": "040301000123", "full_name": "Hồ Thị Lan", "date_of_birth": "2001-05-14"},
        "receiving_agency": "000.01.15.H40",
        "commune_code": "17179",
        "components": "residence",
    }

    assert "components" in await _fields(client, "/v1/dossiers", body)


def test_documents_and_reason_are_trimmed() -> None:
    supplement = SupplementSubmission.model_validate({"documents": ["  Sơ đồ thửa đất \n"], "note": "  "})
    withdrawal = Withdrawal.model_validate({"reason": "  Nộp lại hồ sơ khác "})

    assert supplement.documents == ["Sơ đồ thửa đất"]
    assert supplement.note == ""
    assert withdrawal.reason == "Nộp lại hồ sơ khác"


def test_a_document_of_exactly_500_characters_is_accepted() -> None:
    assert SupplementSubmission.model_validate({"documents": ["x" * 500]}).documents == ["x" * 500]


def test_a_submission_without_components_chooses_none() -> None:
    submission = DossierSubmission.model_validate(
        {
            "procedure_code": "1.001193",
            "applicant": {"citizen_id": "040301000123", "full_name": "Hồ Thị Lan", "date_of_birth": "2001-05-14"},
            "receiving_agency": "000.01.15.H40",
            "commune_code": "17179",
        }
    )

    assert submission.components == []


def test_supplement_documents_are_required_at_all() -> None:
    with pytest.raises(ValidationError, match="documents"):
        SupplementSubmission.model_validate({"note": "quên giấy tờ"})
