"""The committed AsyncAPI documents (docs/asyncapi/*.yaml) match what the code declares."""

from typing import Any
from urllib.parse import unquote

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


def test_intake_document_declares_its_stream_and_every_event_on_it() -> None:
    text = (asyncapi.DOCS / "intake.yaml").read_text(encoding="utf-8")
    document = _parsed(text)

    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {"intake.dossiers.v1", "routing.dossier-status.v1", "intake.journal-seals.v1"}
    for event in ("DossierSubmitted", "DossierSupplemented", "DossierWithdrawn"):
        assert f"#/components/schemas/{event}" in text


def test_routing_document_shows_several_messages_on_each_stream_it_reads() -> None:
    document = _parsed((asyncapi.DOCS / "routing.yaml").read_text(encoding="utf-8"))

    schemas = document["components"]["schemas"]

    def resolved(schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref", "")
        return resolved(schemas[unquote(ref.rsplit("/", 1)[1])]) if ref else schema

    payloads = [resolved(m["payload"]) for m in document["components"]["messages"].values()]
    alternatives = sorted(len(p.get("oneOf", p.get("anyOf", [p]))) for p in payloads)
    assert document["channels"].keys() == {
        "department.task-outcomes.v1 (consumed by routing)",
        "intake.dossiers.v1 (consumed by routing)",
        "routing.dossier-status.v1 (published by routing)",
        "routing.task-orders.v1 (published by routing)",
        "routing.journal-seals.v1 (published by routing)",
    }
    assert alternatives == [1, 1, 6, 7, 8]


def test_submitted_payload_schema_lists_the_event_fields() -> None:
    document = _parsed((asyncapi.DOCS / "intake.yaml").read_text(encoding="utf-8"))

    schema = document["components"]["schemas"]["DossierSubmitted"]
    assert {"dossier_id", "dossier_code", "procedure_code", "commune_code", "applicant"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False
