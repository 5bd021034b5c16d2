"""Checking a signed result the way anyone holding the file can: pyHanko's validator, trusting given roots.

A file is good (:attr:`Verdict.good`) when its signature is intact (the signed bytes hash to what
was signed), valid (the signature verifies with the certificate's key), trusted (the certificate
chains to a trusted root, with a usage that allows signing), and nothing but signature
maintenance was appended after it. Changing any byte of the signed range breaks ``intact``;
an incremental update that changes the content is reported in ``modification``.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from cryptography import x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from services.department.results.signing import asn1_certificate

_COVERAGE = {
    SignatureCoverageLevel.ENTIRE_FILE: "entire file",
    SignatureCoverageLevel.ENTIRE_REVISION: "signed revision, with later updates",
    SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START: "a block from the start only",
    SignatureCoverageLevel.UNCLEAR: "unclear",
}


@dataclass(frozen=True)
class Verdict:
    """What the validator says of a file's (first) signature."""

    signed: bool
    signer: str | None
    intact: bool
    valid: bool
    trusted: bool
    coverage: str
    modification: str | None
    """Updates appended after the signature: ``None`` (none), ``LTA_UPDATES`` (signature maintenance), or
    ``FORM_FILLING``/``ANNOTATIONS``/``OTHER`` (the content changed)."""
    signing_time: datetime | None
    good: bool
    problem: str | None = None
    """Why the file could not be checked at all (not a PDF, a broken structure), when it could not."""

    def as_json(self) -> dict[str, Any]:
        fields = asdict(self)
        fields["signing_time"] = self.signing_time.isoformat() if self.signing_time else None
        return fields


def load_roots(path: Path) -> list[x509.Certificate]:
    """The trusted roots in a PEM file (``ca.pem``); ``OSError`` if unreadable, ``ValueError`` if it holds none."""
    return x509.load_pem_x509_certificates(path.read_bytes())


async def verify(pdf: bytes, trust_roots: Sequence[x509.Certificate]) -> Verdict:
    """The validator's verdict on ``pdf``'s first signature, trusting ``trust_roots`` only (nothing is fetched)."""
    try:
        signatures = PdfFileReader(BytesIO(pdf), strict=False).embedded_signatures
    except (PdfError, ValueError, KeyError, IndexError, TypeError) as error:
        return _broken(f"not a readable PDF: {error}")
    if not signatures:
        return _broken("the file has no signature")
    context = ValidationContext(trust_roots=[asn1_certificate(root) for root in trust_roots], allow_fetching=False)
    try:
        status = await async_validate_pdf_signature(signatures[0], signer_validation_context=context)
    except (PdfError, ValueError, KeyError, IndexError, TypeError) as error:
        return _broken(f"the signature cannot be read: {error}")
    level = status.modification_level
    modification = None if status.coverage is SignatureCoverageLevel.ENTIRE_FILE or level is None else level.name
    return Verdict(
        signed=True,
        signer=str(status.signing_cert.subject.human_friendly),
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        coverage=_COVERAGE.get(status.coverage, "unclear") if status.coverage else "unclear",
        modification=modification,
        signing_time=status.signer_reported_dt,
        good=status.bottom_line,
    )


def _broken(problem: str) -> Verdict:
    return Verdict(
        signed=False,
        signer=None,
        intact=False,
        valid=False,
        trusted=False,
        coverage="none",
        modification=None,
        signing_time=None,
        good=False,
        problem=problem,
    )
