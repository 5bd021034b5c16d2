"""A task's documents through the real object store: the clerks of the task's unit list them, download one and
follow a pre-signed link to it; a clerk of another unit finds no task, an integrator or a citizen is refused."""

import hashlib
from typing import Any

import httpx
import pytest
from stack import ServiceStack

from tests.support import clerks
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, open_task, required_keys, sample_pdf, submit, upload
from tests.support.waiting import eventually

UNIT = "17179.VP"
"""The office of Xã Quỳnh Lưu, which registers the birth."""
OTHER_UNIT = "17179.KT"
FORM_KEY = "birth-registration-form"


async def _documents(http: httpx.AsyncClient, department: str, task_id: str, headers: dict[str, str]) -> Any:
    return await http.get(f"{department}/v1/tasks/{task_id}/documents", headers=headers)


@pytest.fixture
async def filed(http: httpx.AsyncClient, stack: ServiceStack) -> dict[str, Any]:
    """A birth dossier filed with its papers, one of them a form of this test's own; its task in the office."""
    intake, department = stack.url("intake"), stack.url("department")
    body = sample_pdf("tờ khai of test_task_documents")
    form = await upload(http, intake, "Tờ khai đăng ký khai sinh.pdf", body)
    dossier = await submit(http, intake, {**BIRTH_IN_QUYNH_LUU, "documents": await _papers(http, intake, form)})
    task = await open_task(http, department, UNIT, dossier["code"])
    return {"code": dossier["code"], "task": task, "form": form, "body": body}


async def _papers(http: httpx.AsyncClient, intake: str, form: dict[str, Any]) -> list[dict[str, str]]:
    """The form given, and every other paper the birth requires (small PDFs of their own)."""
    papers = [{"document_id": form["document_id"], "catalogue_key": FORM_KEY}]
    for key in required_keys(BIRTH_IN_QUYNH_LUU):
        if key != FORM_KEY:
            other = await upload(http, intake, f"{key}.pdf", sample_pdf(key))
            papers.append({"document_id": other["document_id"], "catalogue_key": key})
    return papers


async def test_a_clerk_of_the_unit_lists_downloads_and_links_the_documents(
    http: httpx.AsyncClient, stack: ServiceStack, filed: dict[str, Any]
) -> None:
    department, task_id = stack.url("department"), filed["task"]["id"]
    receiver = clerks.headers(UNIT, "receiver", clerk="vp.receiver")

    listed = await eventually(
        lambda: _listed_with(http, department, task_id, receiver, filed["form"]["document_id"]),
        what=f"the form among task {task_id}'s documents",
    )
    download = await http.get(
        f"{department}/v1/tasks/{task_id}/documents/{filed['form']['document_id']}", headers=receiver
    )
    link = await http.post(
        f"{department}/v1/tasks/{task_id}/documents/{filed['form']['document_id']}/link", headers=receiver
    )

    (form,) = [d for d in listed if d["document_id"] == filed["form"]["document_id"]]
    assert (form["name"], form["media_type"], form["size"], form["role"]) == (
        "Tờ khai đăng ký khai sinh.pdf",
        "application/pdf",
        len(filed["body"]),
        "component",
    )
    assert form["sha256"] == hashlib.sha256(filed["body"]).hexdigest()
    assert download.status_code == 200, download.text
    assert download.content == filed["body"]
    assert download.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''T%E1%BB%9D%20khai" in download.headers["content-disposition"]
    assert link.status_code == 200, link.text
    async with httpx.AsyncClient(timeout=10) as anyone:  # no token: the link is the credential
        followed = await anyone.get(link.json()["url"])
    assert followed.status_code == 200
    assert followed.content == filed["body"]
    journal = await http.get(f"{department}/v1/journal/{filed['code']}")
    assert journal.status_code == 200, journal.text
    lent = [e for e in journal.json()["entries"] if e["action"].startswith("document ")]
    assert [(e["action"], e["actor"]) for e in lent] == [
        ("document downloaded", "clerk:vp.receiver"),
        ("document link issued", "clerk:vp.receiver"),
    ]


async def _listed_with(
    http: httpx.AsyncClient, department: str, task_id: str, headers: dict[str, str], document_id: str
) -> list[dict[str, Any]] | None:
    response = await _documents(http, department, task_id, headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items if any(d["document_id"] == document_id for d in items) else None


async def test_no_one_outside_the_unit_reads_the_documents(
    anonymous: httpx.AsyncClient, stack: ServiceStack, filed: dict[str, Any]
) -> None:
    department, task_id, document_id = stack.url("department"), filed["task"]["id"], filed["form"]["document_id"]
    other_units_clerk = clerks.headers(OTHER_UNIT, "receiver", "handler", "approver", "supervisor")
    integrator = clerks.client_headers("portal-40", "dossiers:read", "dossiers:submit", provinces=("40",))
    citizen = clerks.citizen_headers(BIRTH_IN_QUYNH_LUU["applicant"]["citizen_id"])
    calls = [
        ("GET", f"/v1/tasks/{task_id}/documents"),
        ("GET", f"/v1/tasks/{task_id}/documents/{document_id}"),
        ("POST", f"/v1/tasks/{task_id}/documents/{document_id}/link"),
    ]

    for method, path in calls:
        elsewhere = await anonymous.request(method, department + path, headers=other_units_clerk)
        refused = [await anonymous.request(method, department + path, headers=h) for h in (integrator, citizen)]
        nobody = await anonymous.request(method, department + path)

        assert elsewhere.status_code == 404, (path, elsewhere.text)
        assert elsewhere.json()["errors"][0]["field"] == "task_id"
        assert [r.status_code for r in refused] == [403, 403], (path, [r.text for r in refused])
        assert nobody.status_code == 401
        assert all(r.headers["content-type"] == "application/problem+json" for r in (elsewhere, *refused, nobody))
    assert not (await anonymous.get(department + calls[1][1], headers=other_units_clerk)).content.startswith(b"%PDF")
