"""A file handed in as a document: its type read from its bytes, its name, its size (domain/document_file.py)."""

import hashlib

import pytest

from services.intake.domain.document_file import (
    DocumentFileError,
    LimitedBody,
    checked_name,
    document_file,
    document_owner,
    sniffed_type,
)
from shared.contracts import MediaType

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.mark.parametrize(("body", "media_type"), [(PDF, MediaType.PDF), (JPEG, MediaType.JPEG), (PNG, MediaType.PNG)])
def test_pdf_jpeg_and_png_are_told_by_their_first_bytes(body: bytes, media_type: MediaType) -> None:
    assert sniffed_type(body) is media_type


@pytest.mark.parametrize(
    ("body", "found"),
    [
        (b"Giay chung sinh, ban chup\n", "not recognised"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "application/x-executable"),
        (b"PK\x03\x04" + b"\x00" * 64, "application/zip"),
        (b"GIF89a" + b"\x00" * 64, "image/gif"),
    ],
)
def test_any_other_content_is_refused_as_415_whatever_its_name(body: bytes, found: str) -> None:
    with pytest.raises(DocumentFileError) as refused:
        document_file("giay-chung-sinh.pdf", body)

    assert (refused.value.status, refused.value.field) == (415, "body")
    assert found in refused.value.reason


def test_a_file_is_described_by_its_name_type_size_and_sha256() -> None:
    file = document_file("  Giấy chứng sinh.pdf ", PDF)

    assert (file.name, file.media_type, file.size) == ("Giấy chứng sinh.pdf", MediaType.PDF, len(PDF))
    assert file.sha256 == hashlib.sha256(PDF).hexdigest()


@pytest.mark.parametrize(
    "name", ["", "   ", "scan\x00.pdf", "scan\n.pdf", "scan\u2028.pdf", "../etc/passwd", "a\\b.pdf", "x" * 256]
)
def test_an_unusable_name_is_refused_naming_the_name(name: str) -> None:
    with pytest.raises(DocumentFileError) as refused:
        checked_name(name)

    assert (refused.value.status, refused.value.field) == (422, "name")


def test_a_name_of_255_characters_is_accepted() -> None:
    assert checked_name("x" * 251 + ".pdf") == "x" * 251 + ".pdf"


def test_the_body_is_refused_as_soon_as_it_passes_the_limit() -> None:
    body = LimitedBody(max_bytes=10)
    body.add(b"%PDF-")
    body.add(b"1.7\n\n")  # exactly 10 bytes: still taken

    with pytest.raises(DocumentFileError) as refused:
        body.add(b"x")

    assert (refused.value.status, refused.value.field) == (413, "body")
    assert body.content() == b"%PDF-1.7\n\n"


def test_an_empty_body_is_refused_as_422() -> None:
    with pytest.raises(DocumentFileError) as refused:
        LimitedBody(max_bytes=10).content()

    assert (refused.value.status, refused.value.field) == (422, "body")


@pytest.mark.parametrize(
    ("client_id", "owner"),
    [("clerk:receiver-7", "clerk:receiver-7"), ("citizen:0a1b2c", "citizen:0a1b2c"), ("portal-40", "client:portal-40")],
)
def test_an_upload_is_owned_by_its_caller(client_id: str, owner: str) -> None:
    assert document_owner(client_id) == owner
