"""Sample dossiers and HTTP helpers shared by the end-to-end tests and the demo."""

from typing import Any

import httpx

from shared.reference.data import catalogue
from tests.support import clerks
from tests.support.waiting import eventually


def group_procedure(*component_keys: str) -> str:
    """The code of the inter-connected procedure offering exactly these components."""
    return next(p.code for p in catalogue().procedures if {c.key for c in p.components} == set(component_keys))


BIRTH_IN_QUYNH_LUU: dict[str, Any] = {
    "procedure_code": "1.001193",
    "applicant": {
        "citizen_id": "040301000123",
        "full_name": "Hồ Thị Lan",
        "date_of_birth": "2001-05-14",
        "phone": "0912345678",
    },
    "receiving_agency": "000.01.15.H40",
    "commune_code": "17179",
}
LAND_IN_RACH_GIA: dict[str, Any] = {
    "procedure_code": "1.013978",
    "applicant": {
        "citizen_id": "091085004321",
        "full_name": "Trần Văn Minh",
        "date_of_birth": "1985-03-02",
        "email": "minh@example.vn",
    },
    "receiving_agency": "000.07.15.H91",
    "commune_code": "30742",
}

# The birth group of Decree 63/2024 for a child in Quỳnh Lưu (Nghệ An), both optional parts chosen.
BIRTH_GROUP_IN_QUYNH_LUU: dict[str, Any] = {
    **BIRTH_IN_QUYNH_LUU,
    "procedure_code": group_procedure("birth", "residence", "health-insurance"),
    "components": ["residence", "health-insurance"],
}
# First land registration for a plot in Quỳnh Lưu, filed at the commune's own centre.
LAND_IN_QUYNH_LUU: dict[str, Any] = {
    "procedure_code": "1.013978",
    "applicant": {
        "citizen_id": "040079001234",
        "full_name": "Nguyễn Văn Bình",
        "date_of_birth": "1979-11-20",
        "phone": "0987654321",
    },
    "receiving_agency": "000.01.15.H40",
    "commune_code": "17179",
}


def sample_pdf(label: str) -> bytes:
    """A small valid one-page PDF, its bytes told apart by ``label``."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n% " + label.encode() + b"\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


async def upload(
    http: httpx.AsyncClient, intake: str, name: str, body: bytes, *, code: str | None = None, **headers: str
) -> dict[str, Any]:
    """Upload a document (for dossier ``code`` when given); asserts it is stored (201, or 200 the same bytes again)."""
    path = f"/v1/dossiers/{code}/documents" if code else "/v1/documents"
    response = await http.post(f"{intake}{path}", params={"name": name}, content=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    document: dict[str, Any] = response.json()
    return document


def required_keys(dossier: dict[str, Any]) -> list[str]:
    """The catalogue keys of the papers the dossier's procedure requires for its components (none if unknown)."""
    procedure = catalogue().find(dossier["procedure_code"])
    if procedure is None:
        return []
    try:
        components = procedure.chosen_components(tuple(dossier.get("components", ())))
    except ValueError:
        return []
    return [document.key for document in procedure.required_documents(components)]


async def with_required_documents(
    http: httpx.AsyncClient, intake: str, dossier: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """The submission with a small PDF uploaded (by the caller of ``headers``) for each paper its procedure
    requires; uploading the same PDF again is the same document, so this may run for every dossier."""
    documents = []
    for key in required_keys(dossier):
        uploaded = await upload(http, intake, f"{key}.pdf", sample_pdf(key), **(headers or {}))
        documents.append({"document_id": uploaded["document_id"], "catalogue_key": key})
    return {**dossier, "documents": documents}


async def submit(http: httpx.AsyncClient, intake: str, dossier: dict[str, Any], **headers: str) -> dict[str, Any]:
    """File the dossier (with its required papers uploaded unless it names its ``documents``); asserts 202.

    A procedure with receipt fees (land, 1.013978) stays ``new`` until they are paid."""
    if "documents" not in dossier:
        dossier = await with_required_documents(http, intake, dossier, headers)
    response = await http.post(f"{intake}/v1/dossiers", json=dossier, headers=headers)
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


async def open_task(
    http: httpx.AsyncClient, department: str, unit: str, code: str, status: str = "open"
) -> dict[str, Any]:
    """Wait until the unit's queue holds the dossier's task in ``status``."""

    async def probe() -> dict[str, Any] | None:
        params = {"status": status, "dossier": code}
        response = await http.get(f"{department}/v1/units/{unit}/tasks", params=params, headers=clerks.headers(unit))
        assert response.status_code == 200, response.text
        return next(iter(response.json()["items"]), None)

    return await eventually(probe, what=f"a {status} task of {code} in {unit}'s queue")


async def unit_tasks(http: httpx.AsyncClient, department: str, unit: str, code: str) -> list[dict[str, Any]]:
    """Every task of the dossier in the unit's queue, whatever its status."""
    response = await http.get(
        f"{department}/v1/units/{unit}/tasks", params={"dossier": code}, headers=clerks.headers(unit)
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def act(
    http: httpx.AsyncClient, department: str, task: dict[str, Any], action: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A clerk of the task's unit with every role acts on the version of ``task`` given; asserts 200."""
    response = await http.post(
        f"{department}/v1/tasks/{task['id']}/{action}",
        json=body,
        headers=clerks.headers(task["unit_code"], version=task["version"]),
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def dossier_plan(http: httpx.AsyncClient, routing: str, code: str) -> dict[str, Any]:
    response = await http.get(f"{routing}/v1/dossiers/{code}/plan")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def dossier_status(http: httpx.AsyncClient, intake: str, code: str, status: str) -> dict[str, Any]:
    """Wait until intake's view shows the dossier in ``status``."""

    async def probe() -> dict[str, Any] | None:
        body: dict[str, Any] = (await http.get(f"{intake}/v1/dossiers/{code}")).json()
        return body if body["status"] == status else None

    return await eventually(probe, what=f"{code} to become {status}")


final_dossier = dossier_status


async def ledger(http: httpx.AsyncClient, notification: str, code: str, entries: int) -> list[dict[str, Any]]:
    async def probe() -> list[dict[str, Any]] | None:
        body: list[dict[str, Any]] = (await http.get(f"{notification}/v1/dossiers/{code}/notifications")).json()
        return body if len(body) >= entries else None

    return await eventually(probe, what=f"{entries} ledger entries for {code}")
