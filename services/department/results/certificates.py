"""X.509 for the local signing authority: a root certificate authority, and a certificate per issuing unit.

In production the province's certificate authority (a licensed CA provider) issues the units'
certificates and their keys stay in its HSM (remote signing); this module is what the local
stand-in of that authority is made of: ``deploy/local/signing_ca.py`` creates the root,
:mod:`.local_ca` issues unit certificates from it, and the tests make their own.
"""

import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from shared.reference.units import Unit

ROOT_YEARS = 10
UNIT_DAYS = 825
"""A unit certificate's life; the local authority issues a new one after it (or at each start)."""
_COMMON_NAME_MAX = 64
"""RFC 5280's bound of a common name (ub-common-name), in characters."""


@dataclass(frozen=True)
class KeyPair:
    """A private key and the certificate of its public key."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @classmethod
    def from_pem(cls, key_pem: bytes, certificate_pem: bytes) -> "KeyPair":
        """The pair read back; raises ``ValueError`` if either is not PEM, the key is not RSA, or they do not match."""
        key = serialization.load_pem_private_key(key_pem, password=None)
        certificate = x509.load_pem_x509_certificate(certificate_pem)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the signing authority's key is not an RSA key")
        if key.public_key().public_numbers() != certificate.public_key().public_numbers():  # type: ignore[union-attr]
            raise ValueError("the signing authority's key does not belong to its certificate")
        return cls(key, certificate)


def new_authority(name: str, now: datetime, *, organisation: str = "lienthong (local)") -> KeyPair:
    """A self-signed root certificate authority named ``name``, valid from ``now`` for ten years."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * ROOT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(digital_signature=False, cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return KeyPair(key, certificate)


def common_name(unit: Unit) -> str:
    """The unit's name and code, ``Phòng Kinh tế xã Quỳnh Lưu (17179.KT)``; a name too long is cut short with "…"."""
    code = f" ({unit.code})"
    room = _COMMON_NAME_MAX - len(code)
    name = unit.name_vi
    if len(name) > room:
        name = f"{name[: room - 1].rstrip()}…"
    return name + code


def unit_subject(unit: Unit, province_name: str) -> x509.Name:
    """CN the unit's :func:`common_name`, O its province, C VN."""
    with warnings.catch_warnings():
        # RFC 5280 bounds the name in characters; cryptography counts UTF-8 bytes, which a Vietnamese name of
        # 40 characters can exceed, and warns when told not to refuse: common_name keeps the RFC's bound.
        warnings.simplefilter("ignore", UserWarning)
        name = x509.NameAttribute(NameOID.COMMON_NAME, common_name(unit), _validate=False)
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, province_name),
            name,
        ]
    )


def unit_certificate(authority: KeyPair, unit: Unit, province_name: str, now: datetime) -> KeyPair:
    """A new key for ``unit`` and its certificate from ``authority``: digital signature and non-repudiation."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(unit_subject(unit, province_name))
        .issuer_name(authority.certificate.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(min(now + timedelta(days=UNIT_DAYS), authority.certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(digital_signature=True, cert_sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()), critical=False)
        .sign(authority.key, hashes.SHA256())
    )
    return KeyPair(key, certificate)


def _usage(*, digital_signature: bool, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=digital_signature,  # non-repudiation: the unit stands by what it signed
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )
