"""The committed OpenAPI documents (docs/openapi/*.json) match the code and load in schemathesis."""

import json

import schemathesis

from services import openapi

DOCUMENT = openapi.DOCS / "department.json"


def test_committed_document_matches_the_code() -> None:
    assert openapi.main(["--check"]) == 0


def test_the_document_is_openapi_3_1_and_loads_in_schemathesis() -> None:
    schema = schemathesis.openapi.from_path(DOCUMENT)

    labels = {result.ok().label for result in schema.get_all_operations()}  # type: ignore[union-attr]

    assert json.loads(DOCUMENT.read_text(encoding="utf-8"))["openapi"] == "3.1.0"
    assert {
        "GET /v1/units/{unit}/tasks",
        "GET /v1/tasks/{task_id}",
        "GET /v1/units/{unit}/audit",
        "GET /v1/units/{unit}/events",
        "POST /v1/tasks/{task_id}/claim",
        "POST /v1/tasks/{task_id}/release",
        "POST /v1/tasks/{task_id}/approve",
        "POST /v1/tasks/{task_id}/refuse",
        "POST /v1/tasks/{task_id}/supplement-request",
        "POST /v1/tasks/{task_id}/return",
        "POST /v1/tasks/{task_id}/extension",
        "POST /v1/tasks/{task_id}/comments",
    } <= labels


def test_every_clerk_route_needs_a_bearer_token_and_documents_its_problems() -> None:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))

    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        if not path.startswith(("/v1/tasks", "/v1/units/{unit}/tasks", "/v1/units/{unit}/audit")):
            continue
        for method, operation in operations.items():
            assert operation["security"] == [{"bearer": []}], f"{method} {path}"
            assert "application/problem+json" in operation["responses"]["401"]["content"], f"{method} {path}"
            if method == "post" and any(p["name"] == "if-match" for p in operation.get("parameters", [])):
                assert {"403", "404", "409", "428"} <= set(operation["responses"]), f"{method} {path}"
            elif method == "post":  # a document's link: a read that the journal records, no version to match
                assert {"403", "404"} <= set(operation["responses"]), f"{method} {path}"


def test_the_intake_and_notification_documents_load_in_schemathesis_with_their_operations() -> None:
    expected = {
        "intake": {
            "POST /v1/dossiers",
            "GET /v1/dossiers/{code}",
            "POST /v1/dossiers/{code}/supplements",
            "POST /v1/dossiers/{code}/withdrawal",
            "POST /v1/dossiers/{code}/identity-decision",
            "POST /v1/documents",
            "POST /v1/dossiers/{code}/documents",
            "POST /v1/dossiers/{code}/components",
            "POST /v1/dossiers/{code}/acceptance-refusal",
            "GET /v1/identity-checks",
            "GET /v1/lookup/{code}",
            "GET /v1/lookup/{code}/result",
            "POST /v1/dossiers/{code}/result-handover",
            "POST /v1/postal/deliveries",
            "POST /v1/payments/callback",
        },
        "notification": {
            "GET /v1/dossiers/{code}/notifications",
            "GET /v1/dossiers/{code}/portal-syncs",
            "GET /v1/deliveries",
            "GET /v1/deliveries/dead-lettered",
            "POST /v1/deliveries/{delivery_id}/retry",
        },
    }
    for service, operations in expected.items():
        schema = schemathesis.openapi.from_path(openapi.DOCS / f"{service}.json")
        labels = {result.ok().label for result in schema.get_all_operations()}  # type: ignore[union-attr]
        assert labels == operations, service


PUBLIC_OPERATIONS = {
    "GET /v1/units/{unit}/stats",
    "GET /v1/units/{unit}/stats.html",
    "GET /v1/board/journal-roots",
    "GET /v1/board/journal-roots.html",
    "GET /v1/board/provinces/{province}/results",
    "GET /v1/board/provinces/{province}/results.html",
    "GET /v1/lookup/{code}",
    "POST /v1/postal/deliveries",
    "POST /v1/payments/callback",
}
"""The public board, the citizen lookup by code and secret, and the partners' callbacks (authenticated by their
signature): the only documented operations without a token."""
SECRET_OR_TOKEN_OPERATIONS = {
    "GET /v1/lookup/{code}/result",
    "POST /v1/dossiers/{code}/supplements",
    "POST /v1/dossiers/{code}/withdrawal",
    "POST /v1/dossiers/{code}/documents",
    "POST /v1/dossiers/{code}/components",
}
"""The applicant's actions, which the receipt's lookup secret opens as well as a token."""


def test_every_documented_operation_needs_the_bearer_token_but_the_public_ones() -> None:
    for path in sorted(openapi.DOCS.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for route, operations in document["paths"].items():
            for method, operation in operations.items():
                label = f"{method.upper()} {route}"
                expected: list[dict[str, list[str]]] = [] if label in PUBLIC_OPERATIONS else [{"bearer": []}]
                if label in SECRET_OR_TOKEN_OPERATIONS:
                    expected.append({"lookup_secret": []})
                assert operation.get("security") == expected, f"{path.name}: {label}"
