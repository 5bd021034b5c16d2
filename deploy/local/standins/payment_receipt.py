"""The payment platform's e-receipt (biên lai điện tử): a one-page PDF in Vietnamese and English.

Rendered with fpdf2 in DejaVu Sans (found through fontconfig, ``shared/documents/fonts.py``). The
same payment gives the same bytes: the document's dates are the payment's, so a receipt fetched
twice is one document for a content-addressed store.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from fpdf import FPDF

from shared.documents.fonts import font_file

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def vnd(amount: int) -> str:
    """``100000`` → ``100.000 VND``, as Vietnamese receipts write amounts."""
    return f"{amount:,} VND".replace(",", ".")


def render_receipt(
    *,
    payment_id: str,
    merchant_ref: str,
    transaction_id: str,
    amount_vnd: int,
    description: str,
    paid_at: datetime,
) -> bytes:
    """The receipt of a paid payment, as PDF bytes."""
    pdf = FPDF(format=(148, 210))  # A5, in millimetres
    pdf.set_creation_date(paid_at)
    pdf.set_producer("lienthong payment platform stand-in")
    pdf.set_title("Biên lai thu tiền điện tử")
    pdf.add_font("DejaVu", "", str(font_file("regular")))
    pdf.add_font("DejaVu", "B", str(font_file("bold")))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 8, "BIÊN LAI THU TIỀN ĐIỆN TỬ", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 6, "Electronic payment receipt — Cổng thanh toán (stand-in)", align="C")
    pdf.ln(4)
    lines = (
        ("Số tiền / Amount", vnd(amount_vnd)),
        ("Nội dung / For", description),
        ("Thời điểm / Paid at", paid_at.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M:%S (UTC+7)")),
        ("Mã giao dịch / Transaction", transaction_id),
        ("Mã thanh toán / Payment", payment_id),
        ("Mã tham chiếu / Merchant ref.", merchant_ref),
    )
    for label, value in lines:
        pdf.set_font("DejaVu", "B", 9)
        pdf.multi_cell(0, 5, label, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    return bytes(pdf.output())
