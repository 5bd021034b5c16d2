"""A file handed in as a dossier's document: its name, its type read from its content, its size within the limit.

The type is never taken from the file name or the ``Content-Type`` header: the first bytes are
matched against the signatures of PDF, JPEG and PNG (the ``filetype`` library), so a text or a
program named ``scan.pdf`` is refused.
"""

import hashlib
import re
from dataclasses import dataclass, field

import filetype  # type: ignore[import-untyped]

from shared.contracts import MediaType

NAME_MAX = 255
# No control character (NUL, line breaks...) and no path separator: the name is shown and offered as a file name.
_NAME = re.compile(r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029/\\]+$")
_SIGNATURE_BYTES = 8192
"""How much of the start ``filetype`` reads."""


class DocumentFileError(ValueError):
    """The file cannot be a dossier's document; ``status`` is the HTTP answer, ``field`` the culprit."""

    def __init__(self, status: int, field: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.field = field
        self.reason = reason


def checked_name(name: str) -> str:
    """The file name, trimmed; raises :class:`DocumentFileError` (422 naming ``name``) when it is unusable."""
    trimmed = name.strip()
    if not trimmed or len(trimmed) > NAME_MAX:
        raise DocumentFileError(422, "name", f"a file name of 1 to {NAME_MAX} characters is needed")
    if not _NAME.match(trimmed):
        raise DocumentFileError(422, "name", "a file name holds no control character and no / or \\")
    return trimmed


def sniffed_type(head: bytes) -> MediaType:
    """The media type the content's first bytes show; raises :class:`DocumentFileError` (415) for any other."""
    kind = filetype.guess_mime(head[:_SIGNATURE_BYTES]) if head else None
    try:
        return MediaType(str(kind))
    except ValueError:
        accepted = ", ".join(t.value for t in MediaType)
        found = f"it looks like {kind}" if kind else "its type is not recognised"
        raise DocumentFileError(415, "body", f"only {accepted} are accepted; {found}") from None


@dataclass
class LimitedBody:
    """A request body read chunk by chunk, refused as soon as it passes ``max_bytes`` (nothing more is read)."""

    max_bytes: int
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0

    def add(self, chunk: bytes) -> None:
        """Take the next chunk; raises :class:`DocumentFileError` (413) past the limit."""
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise DocumentFileError(413, "body", f"a document is at most {self.max_bytes} bytes")
        self.chunks.append(chunk)

    def content(self) -> bytes:
        """The whole body; raises :class:`DocumentFileError` (422) when it is empty."""
        if self.size == 0:
            raise DocumentFileError(422, "body", "the document is empty")
        return b"".join(self.chunks)


@dataclass(frozen=True)
class DocumentFile:
    """A file fit to be stored: its name, sniffed type, size and SHA-256 (lowercase hex)."""

    name: str
    media_type: MediaType
    size: int
    sha256: str
    body: bytes = field(repr=False)


def document_file(name: str, body: bytes) -> DocumentFile:
    """Check a whole file; raises :class:`DocumentFileError` naming what is wrong."""
    if not body:
        raise DocumentFileError(422, "body", "the document is empty")
    return DocumentFile(checked_name(name), sniffed_type(body), len(body), hashlib.sha256(body).hexdigest(), body)


def document_owner(client_id: str) -> str:
    """Whose an uploaded document is, from the caller's client id: a clerk's (``clerk:<id>``), a citizen's
    (``citizen:<pseudonym>``) or an integrator's (``client:<id>``)."""
    if client_id.startswith(("clerk:", "citizen:")):
        return client_id
    return f"client:{client_id}"


def dossier_owner(dossier_id: object) -> str:
    """The owner of documents uploaded for a dossier (supplements, papers completing it)."""
    return f"dossier:{dossier_id}"
