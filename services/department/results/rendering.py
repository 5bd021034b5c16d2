"""A :class:`~.templates.ResultDocument` drawn as an A4 PDF (fpdf2, DejaVu Sans for the Vietnamese text).

Every page has the issuing unit and the national motto at the top, the title, the layout's body,
and at the foot the dossier code beside the QR code of the citizen lookup. The signature itself
is added afterwards, by the signer, as an incremental update of these bytes.
"""

from collections.abc import Callable

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from services.department.results.lookup import qr_modules
from services.department.results.templates import Layout, ResultDocument
from shared.documents.fonts import font_file

FONT = "DejaVu"
_WIDTH = 180.0
"""Writable width of an A4 page with 15 mm margins."""
_QR_SIZE = 32.0
_LABEL = 62.0
"""Width of a field's label column."""


def render(document: ResultDocument) -> bytes:
    """The unsigned PDF of ``document``."""
    pdf = FPDF(format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=15 + _QR_SIZE)
    pdf.add_font(FONT, "", str(font_file("regular")))
    pdf.add_font(FONT, "B", str(font_file("bold")))
    pdf.set_title(f"{document.title_vi} — {document.dossier_code}")
    pdf.set_author(document.unit_vi)
    pdf.set_subject(f"{document.procedure_code} {document.dossier_code}")
    pdf.set_creator("lienthong")
    pdf.add_page()
    _heading(pdf, document)
    _BODIES[document.layout](pdf, document)
    _footer(pdf, document)
    return bytes(pdf.output())


def _heading(pdf: FPDF, d: ResultDocument) -> None:
    top = pdf.get_y()
    _column(pdf, 15, 78, [(d.unit_vi.upper(), "B", 9), (f"{d.unit_en} ({d.unit_code})", "", 7.5)])
    left_bottom = pdf.get_y()
    pdf.set_y(top)
    motto = [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "B", 9), ("Độc lập - Tự do - Hạnh phúc", "B", 9)]
    _column(pdf, 97, 98, [*motto, (d.place_and_date, "", 9)])
    pdf.set_y(max(left_bottom, pdf.get_y()) + 8)
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(_WIDTH, 7.5, d.title_vi.upper(), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(_WIDTH, 5, d.title_en, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if d.subtitle_vi:
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(_WIDTH, 6, d.subtitle_vi, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 8)
        pdf.multi_cell(_WIDTH, 4, d.subtitle_en or "", align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)


def _column(pdf: FPDF, x: float, width: float, lines: list[tuple[str, str, float]]) -> None:
    """Centred lines in the column at ``x``; the cursor ends under them."""
    for text, style, size in lines:
        pdf.set_x(x)
        pdf.set_font(FONT, style, size)
        pdf.multi_cell(width, size * 0.5, text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _field(pdf: FPDF, label_vi: str, label_en: str, value: str) -> None:
    """The label (Vietnamese, English beneath) on the left, the value on the right."""
    top = pdf.get_y()
    pdf.set_font(FONT, "", 10)
    pdf.cell(_LABEL, 6, f"{label_vi}:", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 7.5)
    pdf.cell(_LABEL, 3.5, label_en, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    label_bottom = pdf.get_y()
    pdf.set_xy(15 + _LABEL, top)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(_WIDTH - _LABEL, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(label_bottom, pdf.get_y()) + 1.5)


def _paragraph(pdf: FPDF, vi: str, en: str | None = None, *, bold: bool = False) -> None:
    pdf.set_font(FONT, "B" if bold else "", 10.5)
    pdf.multi_cell(_WIDTH, 6, vi, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if en:
        pdf.set_font(FONT, "", 8)
        pdf.multi_cell(_WIDTH, 4, en, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def _dossier_fields(pdf: FPDF, d: ResultDocument) -> None:
    _field(pdf, "Mã hồ sơ", "Dossier code", d.dossier_code)
    _field(pdf, "Thủ tục hành chính", "Administrative procedure", f"{d.procedure_code} — {d.procedure_vi}")
    _field(
        pdf, "Ngày tiếp nhận / hẹn trả", "Received on / appointment", f"{d.received_on:%d/%m/%Y} / {d.due_on:%d/%m/%Y}"
    )


def _applicant_fields(pdf: FPDF, d: ResultDocument, label_vi: str, label_en: str) -> None:
    _field(pdf, label_vi, label_en, d.applicant_name)
    _field(pdf, "Số định danh cá nhân", "Personal identification number", d.citizen_id)


def _generic(pdf: FPDF, d: ResultDocument) -> None:
    _applicant_fields(pdf, d, "Cấp cho ông/bà", "Issued to")
    _dossier_fields(pdf, d)
    pdf.ln(3)
    _paragraph(
        pdf,
        f"{d.unit_vi} đã giải quyết xong hồ sơ trên. Kết quả: {d.result_vi}.",
        f"{d.unit_en} has settled the dossier above. Result: {d.result_en}.",
        bold=True,
    )


def _birth_extract(pdf: FPDF, d: ResultDocument) -> None:
    _field(pdf, "Nơi đăng ký", "Registered at", d.unit_vi)
    _field(pdf, "Ngày đăng ký", "Registered on", f"{d.issued_on:%d/%m/%Y}")
    _applicant_fields(pdf, d, "Người yêu cầu", "Requested by")
    _dossier_fields(pdf, d)
    pdf.ln(3)
    _paragraph(
        pdf,
        "Nội dung khai sinh đã được ghi vào Sổ đăng ký khai sinh và Cơ sở dữ liệu hộ tịch điện tử theo hồ sơ trên.",
        "The birth's particulars are entered in the birth register and the electronic civil-status database"
        " under the dossier above.",
    )
    if d.procedure_code == "3.000722":
        _paragraph(
            pdf,
            "Kèm theo: xác nhận đăng ký thường trú và thẻ bảo hiểm y tế của trẻ (liên thông).",
            "With it: the child's permanent-residence confirmation and health-insurance card (inter-connected group).",
        )


def _land_certificate(pdf: FPDF, d: ResultDocument) -> None:
    _paragraph(pdf, f"{d.unit_vi.upper()} QUYẾT ĐỊNH:", f"{d.unit_en} decides:", bold=True)
    _paragraph(
        pdf,
        f"Điều 1. Cấp {d.result_vi} cho ông/bà {d.applicant_name}, số định danh cá nhân {d.citizen_id}.",
        f"Article 1. The {d.result_en} is granted to {d.applicant_name}, personal identification number"
        f" {d.citizen_id}.",
    )
    _paragraph(
        pdf,
        "Điều 2. Văn phòng đăng ký đất đai cập nhật, chỉnh lý hồ sơ địa chính và cơ sở dữ liệu đất đai.",
        "Article 2. The land registration office updates the cadastral records and the land database.",
    )
    _paragraph(
        pdf,
        f"Điều 3. Quyết định có hiệu lực kể từ ngày ký ({d.issued_on:%d/%m/%Y}).",
        f"Article 3. This decision takes effect on the day it is signed ({d.issued_on:%d/%m/%Y}).",
    )
    _dossier_fields(pdf, d)


def _refusal(pdf: FPDF, d: ResultDocument) -> None:
    _applicant_fields(pdf, d, "Kính gửi ông/bà", "To")
    _dossier_fields(pdf, d)
    pdf.ln(3)
    _paragraph(
        pdf,
        f"{d.unit_vi} từ chối giải quyết hồ sơ trên vì lý do sau:",
        f"{d.unit_en} refuses to settle the dossier above for this reason:",
    )
    _paragraph(pdf, d.reason or "(không nêu lý do)", bold=True)
    _paragraph(
        pdf,
        "Ông/bà được nhận lại hồ sơ tại nơi đã nộp. Xin lỗi ông/bà vì sự bất tiện.",
        "The papers handed in are returned where they were filed. We apologise for the inconvenience.",
    )


_BODIES: dict[Layout, Callable[[FPDF, ResultDocument], None]] = {
    Layout.GENERIC: _generic,
    Layout.BIRTH_EXTRACT: _birth_extract,
    Layout.LAND_CERTIFICATE: _land_certificate,
    Layout.REFUSAL: _refusal,
}


def _footer(pdf: FPDF, d: ResultDocument) -> None:
    pdf.set_auto_page_break(auto=False)  # the foot is drawn inside the bottom margin kept for it
    top = pdf.h - 15 - _QR_SIZE
    _qr(pdf, d.lookup_url, x=15, y=top, size=_QR_SIZE)
    pdf.set_xy(15 + _QR_SIZE + 4, top + 4)
    pdf.set_font(FONT, "B", 9)
    pdf.cell(0, 5, f"Mã hồ sơ / Dossier code: {d.dossier_code}", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8)
    pdf.multi_cell(
        _WIDTH - _QR_SIZE - 4,
        4,
        "Tra cứu hồ sơ bằng mã QR với mã tra cứu trên giấy tiếp nhận. Văn bản được ký số bởi đơn vị ban hành.\n"
        "Look the dossier up with this QR code and the secret on the receipt. Digitally signed by the issuing unit.\n"
        f"{d.lookup_url}",
        new_x=XPos.LEFT,
        new_y=YPos.NEXT,
    )


def _qr(pdf: FPDF, payload: str, *, x: float, y: float, size: float) -> None:
    modules = qr_modules(payload)
    step = size / len(modules)
    pdf.set_fill_color(0, 0, 0)
    for row, line in enumerate(modules):
        for column, dark in enumerate(line):
            if dark:
                pdf.rect(x + column * step, y + row * step, step, step, style="F")
