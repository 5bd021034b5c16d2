"""Papers for sample dossiers (``make demo``, the benchmark): a one-page PDF per paper a procedure requires.

Rendered in Vietnamese with fpdf2 in DejaVu Sans (``shared/documents/fonts.py``); the same title and holder give
the same bytes on every run, so an upload again is the same document.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from fpdf import FPDF

from shared.documents.fonts import font_file
from shared.reference.catalogue import Document
from shared.reference.data import catalogue

PAPER_DATE = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def paper(title: str, whose: str) -> bytes:
    """A one-page PDF standing for the scan of a paper handed in (``whose``: the applicant, or the dossier)."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(PAPER_DATE)
    pdf.set_producer("lienthong sample papers")
    pdf.set_title(title)
    pdf.add_font("DejaVu", "", str(font_file("regular")))
    pdf.add_font("DejaVu", "B", str(font_file("bold")))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 8, title.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 6, whose, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, "(Bản chụp mẫu / a sample scan)")
    return bytes(pdf.output())


def file_name(title: str) -> str:
    """A file name intake takes for ``title`` (no path separator, not too long)."""
    return title.replace("/", "-")[:120].strip() + ".pdf"


def required_papers(dossier: dict[str, Any]) -> Iterator[tuple[Document, str, bytes]]:
    """Each paper the dossier's procedure requires for its components: the catalogue's document, a file name and
    the PDF's bytes (naming the applicant)."""
    procedure = catalogue().find(dossier["procedure_code"])
    if procedure is None:
        raise ValueError(f"no procedure {dossier['procedure_code']} in the catalogue")
    whose = f"Người nộp / Applicant: {dossier['applicant']['full_name']}"
    for document in procedure.required_documents(procedure.chosen_components(tuple(dossier.get("components", ())))):
        yield document, file_name(document.name_vi), paper(document.name_vi, whose)
