"""Documents at intake on the in-memory store and object store: uploads, papers at filing, completeness at receipt,
papers completing a new dossier, fees paid, a refusal at receipt."""

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.intake import answers, handlers
from services.intake.documents.store import Attachment
from services.intake.documents.upload import INTAKE_CHAIN, Upload, upload
from services.intake.domain.document_file import document_file, dossier_owner
from services.intake.domain.lifecycle import DossierActionError
from services.intake.domain.submission import SubmissionRejectedError
from services.intake.receipt import CompleteDossier, RefuseAcceptance, receive_if_complete
from services.intake.store import Request
from shared.contracts import (
    Applicant,
    DocumentRole,
    DossierFiled,
    DossierNotAccepted,
    DossierStatus,
    DossierSubmitted,
    ResultDelivery,
    object_key,
)
from shared.kernel.object_store import ObjectStoreUnavailableError
from tests.support.object_store import MemoryObjectStore
from tests.unit.test_document_files import PDF
from tests.unit.test_intake_use_cases import BIRTH, CENTRE, FRIDAY_AFTERNOON, Intake, _code

BIRTH_FORM, BIRTH_CERTIFICATE = "birth-registration-form", "birth-certificate-from-the-hospital-or-a-witness"
LAND = handlers.SubmitDossier(
    procedure_code="1.013978",
    applicant=Applicant(
        citizen_id="040079001234", full_name="Nguyễn Văn Bình", date_of_birth=datetime(1979, 11, 20).date()
    ),
    receiving_agency=CENTRE,
    commune_code="17179",
    client_id="counter",
)
RECEIVER = "receiver-7"


async def uploaded(intake: Intake, objects: MemoryObjectStore, owner: str, body: bytes = PDF) -> tuple[int, dict]:  # type: ignore[type-arg]
    answer = await upload(intake.database, objects, Upload(document_file("giay.pdf", body), owner, "client:counter"))
    return answer.status_code, answer.body


async def test_the_body_is_stored_under_its_hash_and_the_row_after_it() -> None:
    intake, objects = Intake(), MemoryObjectStore()

    status, body = await uploaded(intake, objects, "client:counter")

    digest = hashlib.sha256(PDF).hexdigest()
    assert status == 201
    assert (body["sha256"], body["media_type"], body["size"]) == (digest, "application/pdf", len(PDF))
    assert await objects.get(object_key(digest)) == PDF
    assert [d.sha256 for d in intake.store.documents.values()] == [digest]
    assert intake.database.journal.actions(INTAKE_CHAIN) == ["document uploaded"]


async def test_the_same_bytes_uploaded_again_by_the_same_owner_are_the_same_document() -> None:
    intake, objects = Intake(), MemoryObjectStore()

    first = await uploaded(intake, objects, "client:counter")
    again = await uploaded(intake, objects, "client:counter")
    another_owner = await uploaded(intake, objects, "clerk:receiver-7")

    assert (first[0], again[0], another_owner[0]) == (201, 200, 201)
    assert again[1] == first[1]
    assert another_owner[1]["document_id"] != first[1]["document_id"]
    assert len(intake.store.documents) == 2
    assert objects.puts == 2, "the second upload of the same owner stores nothing"


async def test_an_object_store_down_stores_no_row() -> None:
    intake, objects = Intake(), MemoryObjectStore()
    objects.available = False

    with pytest.raises(ObjectStoreUnavailableError):
        await uploaded(intake, objects, "client:counter")

    assert intake.store.documents == {}
    assert intake.database.journal.actions(INTAKE_CHAIN) == []


async def test_a_dossier_with_every_paper_is_received_with_its_documents_and_delivery() -> None:
    intake = Intake()

    answer = await intake.receive(
        replace(BIRTH, result_delivery=ResultDelivery.POST, postal_address="Xóm 3, Quỳnh Lưu")
    )

    row = intake.store.by_code(_code(answer))
    received = intake.events[-1]
    assert isinstance(received, DossierSubmitted)
    assert {d.catalogue_key for d in received.documents} == {BIRTH_FORM, BIRTH_CERTIFICATE}
    assert {d.role for d in received.documents} == {DocumentRole.COMPONENT}
    assert received.result_delivery is ResultDelivery.POST
    assert (row["status"], row["result_delivery"], row["postal_address"]) == ("receiving", "post", "Xóm 3, Quỳnh Lưu")
    assert answer.body["missing"] == []


async def test_a_dossier_lacking_a_paper_is_filed_new_with_what_is_missing_and_no_due_date() -> None:
    intake = Intake()
    form = await intake.store.required_papers("1.001193", (), "client:counter", FRIDAY_AFTERNOON)

    answer = await intake.receive(replace(BIRTH, documents=form[:1]))

    code = _code(answer)
    row = intake.store.by_code(code)
    filed = intake.events[-1]
    assert (answer.status_code, answer.body["status"], answer.body["due_at"]) == (202, "new", None)
    assert answer.body["missing"] == [
        "Giấy chứng sinh (hoặc văn bản của người làm chứng / giấy cam đoan về việc sinh)"
        " / Birth certificate from the hospital (or a witness statement / sworn statement)"
    ]
    assert answer.body["lookup_secret"], "the receipt's secret opens the dossier to complete it"
    assert isinstance(filed, DossierFiled)
    assert (filed.dossier_id, filed.missing) == (row["id"], tuple(answer.body["missing"]))
    assert [d.catalogue_key for d in filed.documents] == [BIRTH_FORM]
    assert (row["status"], row["due_at"]) == ("new", None)
    assert intake.database.journal.actions(code) == ["dossier filed"]
    assert intake.store.notes(code) == ["filed; missing: " + answer.body["missing"][0]]


async def test_a_document_of_someone_else_or_unknown_is_refused_naming_it_and_nothing_is_stored() -> None:
    intake = Intake()
    theirs = await intake.store.required_papers("1.001193", (), "clerk:someone-else", FRIDAY_AFTERNOON)
    unknown = Attachment(uuid4(), DocumentRole.COMPONENT, BIRTH_FORM)

    for documents, field in (((unknown,), "documents.0.document_id"), (theirs, "documents.0.document_id")):
        with pytest.raises(SubmissionRejectedError) as refused:
            await intake.receive(replace(BIRTH, documents=documents))
        assert refused.value.field == field

    assert (intake.store.dossiers, intake.store.sequences, intake.events) == ({}, {}, [])


async def test_a_catalogue_key_the_procedure_lacks_is_refused_before_anything_is_asked() -> None:
    intake = Intake()
    papers = await intake.store.required_papers("1.001193", (), "client:counter", FRIDAY_AFTERNOON)
    wrong = (papers[0], replace(papers[1], catalogue_key="land-registration-application-form-15"))

    with pytest.raises(SubmissionRejectedError) as refused:
        await intake.receive(replace(BIRTH, documents=wrong))

    assert refused.value.field == "documents.1.catalogue_key"
    assert intake.registry.asked == []


async def test_a_paper_named_twice_is_handed_in_once() -> None:
    intake = Intake()
    papers = await intake.store.required_papers("1.001193", (), "client:counter", FRIDAY_AFTERNOON)

    await intake.receive(replace(BIRTH, documents=(*papers, papers[0])))

    received = intake.events[-1]
    assert isinstance(received, DossierSubmitted)
    assert [d.catalogue_key for d in received.documents] == [BIRTH_FORM, BIRTH_CERTIFICATE]


async def test_the_post_needs_an_address() -> None:
    intake = Intake()

    with pytest.raises(SubmissionRejectedError) as refused:
        await intake.receive(replace(BIRTH, result_delivery=ResultDelivery.POST))

    assert refused.value.field == "postal_address"


async def test_papers_handed_in_later_receive_the_new_dossier_with_its_due_date_from_then() -> None:
    intake = Intake()
    papers = await intake.store.required_papers("1.001193", (), "client:counter", FRIDAY_AFTERNOON)
    code = _code(await intake.receive(replace(BIRTH, documents=papers[:1])))
    row = intake.store.by_code(code)
    certificate = await intake.store.uploaded(dossier_owner(row["id"]), "giay-chung-sinh.pdf", FRIDAY_AFTERNOON)
    intake.database.now = FRIDAY_AFTERNOON + timedelta(days=3)  # Monday 14:00

    command = CompleteDossier(code, (Attachment(certificate.id, DocumentRole.COMPONENT, BIRTH_CERTIFICATE),))
    answer = await answers.complete(intake.desk, Request("citizen", None, "components"), command)

    received = intake.events[-1]
    assert (answer.status_code, answer.body["status"], answer.body["missing"]) == (202, "receiving", [])
    assert answer.body["due_at"] == "2025-10-14T17:00:00+07:00"  # one working day from Monday
    assert isinstance(received, DossierSubmitted)
    assert received.dossier_id == row["id"]
    assert received.received_at == intake.database.now
    assert {d.catalogue_key for d in received.documents} == {BIRTH_FORM, BIRTH_CERTIFICATE}
    assert intake.database.journal.actions(code) == ["dossier filed", "papers handed in", "dossier received"]
    history = intake.store.histories[row["id"]]
    assert [entry["status"] for entry in history] == ["new", "receiving"], "new once: the papers noted at receipt"
    assert (
        history[-1]["note"]
        == "papers handed in: giay-chung-sinh.pdf; received: the papers and receipt fees are complete"
    )


async def test_papers_that_still_leave_something_missing_keep_the_dossier_new() -> None:
    intake = Intake()
    code = _code(await intake.receive(papers=False))
    row = intake.store.by_code(code)
    form = await intake.store.uploaded(dossier_owner(row["id"]), "to-khai.pdf", FRIDAY_AFTERNOON)

    command = CompleteDossier(code, (Attachment(form.id, DocumentRole.COMPONENT, BIRTH_FORM),))
    answer = await answers.complete(intake.desk, Request("citizen", None, "components"), command)

    assert (answer.body["status"], len(answer.body["missing"])) == ("new", 1)
    assert [type(e).__name__ for e in intake.events] == ["DossierFiled"]
    assert [d["catalogue_key"] for d in answer.body["documents"]] == [BIRTH_FORM]
    assert [entry["status"] for entry in intake.store.histories[row["id"]]] == ["new"], "nothing moved: journalled"
    assert intake.database.journal.actions(code) == ["dossier filed", "papers handed in"]


async def test_papers_are_taken_only_while_the_dossier_is_new() -> None:
    intake = Intake()
    code = await intake.received_code()
    events = intake.events

    with pytest.raises(DossierActionError) as refused:
        await answers.complete(intake.desk, Request("citizen", None, "components"), CompleteDossier(code, ()))

    assert refused.value.status is DossierStatus.RECEIVING
    assert intake.events == events


async def test_a_land_dossier_with_its_papers_waits_for_its_receipt_fee_then_is_received() -> None:
    intake = Intake()
    code = _code(await intake.receive(LAND))
    row = intake.store.by_code(code)
    assert (row["status"], row["missing"]) == ("new", ["Lệ phí cấp Giấy chứng nhận / Certificate fee: 100.000 VND"])

    payment = uuid4()
    async with intake.database.unit_of_work() as uow:
        assert await uow.store.mark_fees_paid(row["id"], payment, FRIDAY_AFTERNOON) == 1
        assert await receive_if_complete(uow, row["id"])
    async with intake.database.unit_of_work() as uow:
        assert not await receive_if_complete(uow, row["id"]), "received once"

    assert [type(e).__name__ for e in intake.events] == ["DossierFiled", "DossierSubmitted"]
    assert intake.store.by_code(code)["status"] == "receiving"
    assert [(f.amount_vnd, f.payment_id) for f in intake.store.receipt_fees[row["id"]]] == [(100_000, payment)]


async def test_a_payment_receipt_added_to_the_dossier_travels_with_its_receipt() -> None:
    intake = Intake()
    code = _code(await intake.receive(LAND))
    row = intake.store.by_code(code)
    receipt = (await intake.store.uploaded("payment", "bien-lai.pdf", FRIDAY_AFTERNOON)).ref(
        DocumentRole.PAYMENT_RECEIPT
    )

    async with intake.database.unit_of_work() as uow:
        await uow.store.mark_fees_paid(row["id"], uuid4(), FRIDAY_AFTERNOON)
        kept = await uow.store.add_dossier_document(
            row["id"], receipt.model_copy(update={"document_id": uuid4()}), FRIDAY_AFTERNOON
        )
        await receive_if_complete(uow, row["id"])

    received = intake.events[-1]
    assert isinstance(received, DossierSubmitted)
    assert kept in received.documents
    assert kept.role is DocumentRole.PAYMENT_RECEIPT


async def test_a_receiver_refuses_a_new_dossier_once() -> None:
    intake = Intake()
    code = _code(await intake.receive(papers=False))
    refusal = RefuseAcceptance(code, "Hồ sơ không thuộc thẩm quyền", RECEIVER)

    answer = await answers.refuse(intake.desk, Request(f"clerk:{RECEIVER}", None, "refusal"), refusal)
    with pytest.raises(DossierActionError):
        await answers.refuse(intake.desk, Request(f"clerk:{RECEIVER}", None, "again"), refusal)

    refused = intake.events[-1]
    assert answer.body["status"] == "unresolved"
    assert isinstance(refused, DossierNotAccepted)
    assert (refused.reason, refused.refused_by) == ("Hồ sơ không thuộc thẩm quyền", f"clerk:{RECEIVER}")
    assert intake.database.journal.actions(code)[-1] == "dossier not accepted"
    assert "Hồ sơ không thuộc thẩm quyền" not in str(intake.database.journal.head(code))


async def test_routing_echoing_the_filing_never_takes_a_received_dossier_back_to_new() -> None:
    intake = Intake()
    code = _code(await intake.receive(papers=False))
    row = intake.store.by_code(code)
    async with intake.database.unit_of_work() as uow:
        await uow.store.record_received(row["id"], FRIDAY_AFTERNOON, FRIDAY_AFTERNOON + timedelta(days=3))

    await intake.status_changes_to(code, DossierStatus.NEW, unit=CENTRE, sequence=1, due_at=FRIDAY_AFTERNOON)

    assert intake.store.by_code(code)["status"] == "receiving"


async def test_a_new_dossier_keeps_no_due_date_when_routing_reports_it_new() -> None:
    intake = Intake()
    code = _code(await intake.receive(papers=False))

    await intake.status_changes_to(
        code, DossierStatus.NEW, unit=CENTRE, sequence=1, due_at=datetime(2030, 1, 1, tzinfo=UTC)
    )

    row = intake.store.by_code(code)
    assert (row["status"], row["due_at"], row["status_sequence"]) == ("new", None, 1)
    assert len(row["missing"]) == 2
