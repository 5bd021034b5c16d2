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
DOCUMENT = "5b0f8e0e-6a51-4d6e-9f59-6f1b7c0f2a11"


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
        ({"documents": ["Sơ đồ thửa đất"]}, "documents.0.document_id"),
        ({"documents": [DOCUMENT, {"document_id": DOCUMENT, "catalogue_key": "Sơ đồ"}]}, "documents.1.catalogue_key"),
        ({"documents": [DOCUMENT], "note": "n" * 2001}, "note"),
        ({"documents": [DOCUMENT], "colour": "red"}, "colour"),
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


def test_the_note_and_reason_are_trimmed() -> None:
    supplement = SupplementSubmission.model_validate({"documents": [DOCUMENT], "note": "  "})
    withdrawal = Withdrawal.model_validate({"reason": "  Nộp lại hồ sơ khác "})

    assert supplement.note == ""
    assert withdrawal.reason == "Nộp lại hồ sơ khác"


def test_a_supplement_names_documents_by_id_with_or_without_their_catalogue_key() -> None:
    keyed = {"document_id": DOCUMENT, "catalogue_key": "cadastral-survey-extract-if-any"}
    documents = SupplementSubmission.model_validate({"documents": [DOCUMENT, keyed]}).documents

    assert [(str(d.document_id), d.catalogue_key) for d in documents] == [
        (DOCUMENT, None),
        (DOCUMENT, "cadastral-survey-extract-if-any"),
    ]


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
