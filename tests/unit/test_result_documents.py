"""The documents a unit issues: which template, what the PDF says, where its QR code leads."""

import re
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.department.results.lookup import DEFAULT_LOOKUP_URL_BASE, lookup_url, qr_modules
from services.department.results.rendering import render
from services.department.results.templates import Layout, ResultDocument, compose, layout_for
from shared.contracts import Applicant, ResultKind, ResultRequested
from shared.reference.data import catalogue
from shared.reference.units import find_unit

CODE = "000.01.15.H40-261202-0007"
REQUESTED = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam


def request(procedure: str, kind: ResultKind = ResultKind.RESULT, reason: str | None = None) -> ResultRequested:
    return ResultRequested(
        dossier_id=uuid4(),
        dossier_code=CODE,
        sequence=7,
        task_id=uuid4(),
        unit_code="17179.KT",
        procedure_code=procedure,
        kind=kind,
        reason=reason,
        applicant=Applicant(citizen_id="040190000123", full_name="Nguyễn Thị Hồng Nhung"),
        received_at=REQUESTED - timedelta(days=5),
        due_at=REQUESTED + timedelta(days=1),
        requested_at=REQUESTED,
    )


def composed(event: ResultRequested) -> ResultDocument:
    unit = find_unit(event.unit_code)
    assert unit is not None
    link = lookup_url(DEFAULT_LOOKUP_URL_BASE, event.dossier_code)
    return compose(event, catalogue().find(event.procedure_code), unit, "Nghệ An", REQUESTED, link)


@pytest.mark.parametrize(
    ("procedure", "kind", "layout"),
    [
        ("1.001193", ResultKind.RESULT, Layout.BIRTH_EXTRACT),
        ("3.000722", ResultKind.RESULT, Layout.BIRTH_EXTRACT),
        ("1.013978", ResultKind.RESULT, Layout.LAND_CERTIFICATE),
        ("1.000656", ResultKind.RESULT, Layout.GENERIC),
        ("1.001193", ResultKind.REFUSAL, Layout.REFUSAL),
        ("1.013978", ResultKind.REFUSAL, Layout.REFUSAL),
    ],
)
def test_each_procedure_has_its_template_and_any_refusal_a_letter(
    procedure: str, kind: ResultKind, layout: Layout
) -> None:
    assert layout_for(procedure, kind) is layout


def test_the_generic_result_is_titled_by_the_catalogue_result_or_the_procedure_name() -> None:
    procedure = catalogue().find("1.000656")
    assert procedure is not None
    document = composed(request("1.000656"))
    assert document.title_vi == (procedure.result_vi or procedure.name_vi)
    assert document.title_en == (procedure.result_en or procedure.name_en)


def test_the_land_decision_grants_the_certificate_the_catalogue_names() -> None:
    document = composed(request("1.013978"))
    assert document.title_vi == "Quyết định"
    assert (
        document.subtitle_vi == "Về việc cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất"
    )


def test_a_procedure_no_longer_in_the_catalogue_still_gets_the_generic_result() -> None:
    event = request("9.999999")
    unit = find_unit(event.unit_code)
    assert unit is not None
    document = compose(event, None, unit, "Nghệ An", REQUESTED, "http://x/")
    assert (document.layout, document.title_vi) == (Layout.GENERIC, "Thủ tục 9.999999")


def test_the_dates_printed_are_vietnamese_days() -> None:
    late = request("1.001193").model_copy(update={"received_at": datetime(2026, 11, 30, 18, 0, tzinfo=UTC)})
    document = composed(late)
    assert document.received_on.isoformat() == "2026-12-01"  # 01:00 the next morning in Hà Nội
    assert document.place_and_date == "Nghệ An, ngày 02 tháng 12 năm 2026"


def test_the_qr_code_opens_the_citizen_lookup_of_the_dossier() -> None:
    assert lookup_url("http://127.0.0.1:8001/v1/lookup", CODE) == f"http://127.0.0.1:8001/v1/lookup/{CODE}"
    assert lookup_url(DEFAULT_LOOKUP_URL_BASE, "a/b c") == "http://127.0.0.1:8001/v1/lookup/a%2Fb%20c"
    modules = qr_modules(lookup_url(DEFAULT_LOOKUP_URL_BASE, CODE))
    assert len(modules) == len(modules[0]) >= 21 + 8  # version 1 at least, and the quiet zone
    assert not any(modules[0])
    assert any(modules[4])


@pytest.mark.parametrize("procedure", ["1.001193", "3.000722", "1.013978", "1.000656"])
def test_a_rendered_result_is_a_pdf_naming_the_dossier_and_the_applicant(procedure: str) -> None:
    document = composed(request(procedure))
    pdf = render(document)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert f"/Subject ({document.procedure_code} {CODE})".encode() in pdf
    assert re.search(rb"/Count 1\b", pdf), "one page"
    assert document.file_name == f"ket-qua-{CODE}.pdf"


def test_a_refusal_letter_carries_the_reason() -> None:
    document = composed(request("1.013978", ResultKind.REFUSAL, reason="Thửa đất đang có tranh chấp"))
    assert (document.title_vi, document.reason) == ("Thông báo", "Thửa đất đang có tranh chấp")
    assert document.file_name == f"tu-choi-{CODE}.pdf"
    assert render(document).startswith(b"%PDF-")
