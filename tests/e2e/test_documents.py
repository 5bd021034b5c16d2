"""Papers handed in through the real object store, and completeness at receipt: a dossier lacking a paper stays new
with what is missing until it is completed; a receiver may refuse to accept it; only PDF, JPEG and PNG are taken."""

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from stack import ServiceStack

from shared.contracts import object_key
from shared.kernel.s3_object_store import S3ObjectStore
from tests.support import clerks
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, sample_pdf, submit, upload
from tests.support.object_store import local_object_store_settings

CENTRE = "000.01.15.H40"
BIRTH_FORM, BIRTH_CERTIFICATE = "birth-registration-form", "birth-certificate-from-the-hospital-or-a-witness"
PORTAL = clerks.client_headers("portal-40", "dossiers:submit", "dossiers:read", provinces=("40",))


@pytest.fixture
async def objects(stack: ServiceStack) -> AsyncIterator[S3ObjectStore]:
    """The object store the stack's services keep documents in."""
    store = S3ObjectStore.from_settings(local_object_store_settings(stack.env.get("LIENTHONG_OBJECT_STORE_BUCKET")))
    yield store
    await store.close()


async def _filed_without_certificate(http: httpx.AsyncClient, intake: str) -> dict[str, Any]:
    form = await upload(http, intake, "to-khai.pdf", sample_pdf("to-khai"), **PORTAL)
    papers = [{"document_id": form["document_id"], "catalogue_key": BIRTH_FORM}]
    return await submit(http, intake, {**BIRTH_IN_QUYNH_LUU, "documents": papers}, **PORTAL)


async def test_the_same_bytes_uploaded_twice_are_one_document_whose_body_is_in_the_object_store(
    http: httpx.AsyncClient, stack: ServiceStack, objects: S3ObjectStore
) -> None:
    intake = stack.url("intake")
    body = sample_pdf("giay-chung-sinh of test_documents")

    first = await http.post(f"{intake}/v1/documents", params={"name": "Giấy chứng sinh.pdf"}, content=body)
    again = await http.post(f"{intake}/v1/documents", params={"name": "Giấy chứng sinh.pdf"}, content=body)

    assert (first.status_code, again.status_code) == (201, 200), (first.text, again.text)
    assert again.json() == first.json()
    document = first.json()
    digest = hashlib.sha256(body).hexdigest()
    assert (document["name"], document["media_type"], document["size"]) == (
        "Giấy chứng sinh.pdf",
        "application/pdf",
        len(body),
    )
    assert document["sha256"] == digest
    assert await objects.get(object_key(digest)) == body


async def test_a_text_file_named_pdf_is_refused_and_not_stored(
    http: httpx.AsyncClient, stack: ServiceStack, objects: S3ObjectStore
) -> None:
    body = b"Day la mot tep van ban, khong phai PDF.\n"

    response = await http.post(
        f"{stack.url('intake')}/v1/documents",
        params={"name": "scan.pdf"},
        content=body,
        headers={"Content-Type": "application/pdf"},
    )

    assert response.status_code == 415, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["body"]
    assert not await objects.exists(object_key(hashlib.sha256(body).hexdigest()))


async def test_an_online_dossier_lacking_a_paper_stays_new_until_it_is_completed(
    http: httpx.AsyncClient, anonymous: httpx.AsyncClient, stack: ServiceStack
) -> None:
    intake = stack.url("intake")
    receipt = await _filed_without_certificate(http, intake)
    code, secret = receipt["code"], receipt["lookup_secret"]

    assert (receipt["status"], receipt["due_at"]) == ("new", None)
    assert len(receipt["missing"]) == 1
    assert "Birth certificate from the hospital" in receipt["missing"][0]
    dossier = (await http.get(f"{intake}/v1/dossiers/{code}")).json()
    assert (dossier["status"], dossier["portal_status_code"], dossier["due_at"]) == ("new", 1, None)
    assert [(d["catalogue_key"], d["role"], d["media_type"]) for d in dossier["documents"]] == [
        (BIRTH_FORM, "component", "application/pdf")
    ]

    # The applicant completes it with the receipt's secret: the paper uploaded for the dossier, then handed in.
    with_secret = {"X-Lookup-Secret": secret}
    certificate = await upload(
        anonymous, intake, "giay-chung-sinh.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, code=code, **with_secret
    )
    assert certificate["media_type"] == "image/jpeg"
    papers = {"documents": [{"document_id": certificate["document_id"], "catalogue_key": BIRTH_CERTIFICATE}]}
    completed = await anonymous.post(f"{intake}/v1/dossiers/{code}/components", json=papers, headers=with_secret)

    assert completed.status_code == 202, completed.text
    received = completed.json()
    assert received["status"] == "receiving"
    assert received["due_at"] is not None
    assert received["missing"] == []
    assert {d["catalogue_key"] for d in received["documents"]} == {BIRTH_FORM, BIRTH_CERTIFICATE}
    looked_up = (await anonymous.get(f"{intake}/v1/lookup/{code}", headers=with_secret)).json()
    assert {d["catalogue_key"] for d in looked_up["documents"]} == {BIRTH_FORM, BIRTH_CERTIFICATE}
    events = (await http.get(f"{intake}/v1/dossiers/{code}/published-events")).json()
    assert [e["type"] for e in events] == ["vn.lienthong.dossier.filed.v1", "vn.lienthong.dossier.submitted.v1"]
    assert len({e["key"] for e in events}) == 1, "the same dossier id"


async def test_a_document_of_another_caller_cannot_be_handed_in(http: httpx.AsyncClient, stack: ServiceStack) -> None:
    intake = stack.url("intake")
    theirs = await upload(http, intake, "to-khai.pdf", sample_pdf("someone else's"))
    papers = [{"document_id": theirs["document_id"], "catalogue_key": BIRTH_FORM}]

    response = await http.post(
        f"{intake}/v1/dossiers", json={**BIRTH_IN_QUYNH_LUU, "documents": papers}, headers=PORTAL
    )

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["documents.0.document_id"]


async def test_a_receiver_of_the_centre_refuses_to_accept_a_new_dossier(
    http: httpx.AsyncClient, stack: ServiceStack
) -> None:
    intake = stack.url("intake")
    code = (await _filed_without_certificate(http, intake))["code"]
    refusal = {"reason": "Hồ sơ không thuộc thẩm quyền giải quyết"}
    url = f"{intake}/v1/dossiers/{code}/acceptance-refusal"

    elsewhere = await http.post(url, json=refusal, headers=clerks.headers("000.07.15.H91", "receiver"))
    refused = await http.post(url, json=refusal, headers=clerks.headers(CENTRE, "receiver"))
    again = await http.post(url, json=refusal, headers=clerks.headers(CENTRE, "receiver"))

    assert elsewhere.status_code == 404, elsewhere.text
    assert refused.status_code == 202, refused.text
    assert refused.json()["status"] == "unresolved"
    assert refused.json()["history"][-1]["note"] == "not accepted: Hồ sơ không thuộc thẩm quyền giải quyết"
    assert again.status_code == 409, again.text
    events = (await http.get(f"{intake}/v1/dossiers/{code}/published-events")).json()
    assert [e["type"] for e in events][-1] == "vn.lienthong.dossier.not-accepted.v1"
