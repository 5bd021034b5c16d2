"""The :class:`Signer` port: a unit's PAdES signature on a rendered PDF, and the local signer behind it.

PAdES baseline (``/ETSI.CAdES.detached``, SHA-256) with the signer's certificate chain embedded,
so the file verifies with nothing but the trusted root. The signing time is the signer's clock
(no timestamp authority locally; a deployment adds the TSA of its CA provider).
"""

import asyncio
from dataclasses import dataclass
from io import BytesIO
from typing import Protocol

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from services.department.results.certificates import KeyPair
from services.department.results.local_ca import LocalCertificateAuthority

SIGNATURE_FIELD = "KyChuDonVi"
"""The signature field's name in the issued PDF (``Ký của đơn vị``: the unit's signature)."""


@dataclass(frozen=True)
class SignedPdf:
    """A signed PDF and who signed it."""

    body: bytes
    signer: str
    """The signing certificate's subject, as the validator names it (``Common Name: …, Organization: …``)."""


class Signer(Protocol):
    """Signs a PDF with an issuing unit's key. Locally :class:`LocalPadesSigner`; in production a remote-signing
    adapter of the CA provider, where the unit's key stays in its HSM."""

    async def sign(self, pdf: bytes, unit_code: str, *, reason: str, location: str) -> SignedPdf:
        """``pdf`` signed by ``unit_code``'s key; ``reason`` and ``location`` go into the signature dictionary."""
        ...


def subject_of(certificate: x509.Certificate) -> str:
    """How pyHanko's validator names a certificate's subject."""
    return str(asn1_certificate(certificate).subject.human_friendly)


def asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    """The certificate as pyHanko takes it."""
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _asn1_key(pair: KeyPair) -> asn1_keys.PrivateKeyInfo:
    der = pair.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return asn1_keys.PrivateKeyInfo.load(der)


@dataclass(frozen=True)
class LocalPadesSigner:
    """:class:`Signer` with keys from the local certificate authority, signing in a worker thread."""

    authority: LocalCertificateAuthority

    async def sign(self, pdf: bytes, unit_code: str, *, reason: str, location: str) -> SignedPdf:
        return await asyncio.to_thread(self._sign, pdf, unit_code, reason, location)

    def _sign(self, pdf: bytes, unit_code: str, reason: str, location: str) -> SignedPdf:
        # pyHanko is loaded by the first signature a process makes, like the PDF toolkit (see issuing.py).
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import PdfSignatureMetadata, PdfSigner, SimpleSigner
        from pyhanko.sign.fields import SigSeedSubFilter
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        pair = self.authority.credentials(unit_code)
        chain = [asn1_certificate(c) for c in self.authority.chain()]
        signer = SimpleSigner(
            signing_cert=asn1_certificate(pair.certificate),
            signing_key=_asn1_key(pair),
            cert_registry=SimpleCertificateStore.from_certs(chain),  # type: ignore[no-untyped-call]
        )
        metadata = PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD,
            md_algorithm="sha256",
            subfilter=SigSeedSubFilter.PADES,
            reason=reason,
            location=location,
        )
        signed = PdfSigner(metadata, signer).sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)))
        return SignedPdf(signed.getvalue(), subject_of(pair.certificate))
