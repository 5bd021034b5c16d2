"""The committed AsyncAPI documents (docs/asyncapi/*.yaml) match what the code declares."""

from typing import Any

import pytest
import yaml

from services import asyncapi


def test_committed_documents_match_the_code() -> None:
    assert asyncapi.main(["--check"]) == 0


def _parsed(text: str) -> Any:
    return yaml.safe_load(text)


@pytest.mark.parametrize("service", ["intake", "routing", "department", "notification"])
def test_committed_document_has_the_same_content_as_the_code(service: str) -> None:
    # Mappings compare without regard to key order, so this holds whatever order FastStream emits.
    committed = (asyncapi.DOCS / f"{service}.yaml").read_text(encoding="utf-8")

    assert _parsed(committed) == _parsed(asyncapi.documents()[service])


def test_there_is_one_document_per_service() -> None:
    assert set(asyncapi.documents()) == {"intake", "routing", "department", "notification"}


def test_intake_document_declares_the_submitted_channel_and_its_payload() -> None:
    text = (asyncapi.DOCS / "intake.yaml").read_text(encoding="utf-8")
    document = _parsed(text)

    addresses = {channel["address"] for channel in document["channels"].values()}
    assert "dossier.submitted.v1" in addresses
    assert "DossierSubmitted" in document["components"]["schemas"]
    assert "#/components/schemas/DossierSubmitted" in text


def test_submitted_payload_schema_lists_the_event_fields() -> None:
    document = _parsed((asyncapi.DOCS / "intake.yaml").read_text(encoding="utf-8"))

    schema = document["components"]["schemas"]["DossierSubmitted"]
    assert {"dossier_id", "dossier_code", "procedure_code", "commune_code", "applicant"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False
