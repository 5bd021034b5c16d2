"""The local stand-in of the province's certificate authority: unit certificates issued from a root on disk.

``LIENTHONG_SIGNING_CA_CERT_FILE`` and ``LIENTHONG_SIGNING_CA_KEY_FILE`` name the root's PEM files
(``deploy/local/signing_ca.py`` creates them for ``make demo``, the stack and the tests). Each
issuing unit gets a fresh key and a certificate from that root the first time this process signs
for it; both are kept in memory for the process's life. Another instance issues its own: every
one chains to the same root, which is what a verifier trusts.

In production the unit's key never leaves the CA provider's HSM: a remote-signing adapter of
:class:`~.signing.Signer` takes the place of :class:`~.signing.LocalPadesSigner` and this authority.
"""

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from vietnam_provinces import Province, ProvinceCode

from services.department.results.certificates import KeyPair, unit_certificate
from shared.reference.admin_units import normalise_name
from shared.reference.units import find_unit


class UnknownUnitError(LookupError):
    """The issuing unit is not in the units registry: no certificate names it."""


@dataclass
class LocalCertificateAuthority:
    """Issues (once per unit and process) each unit's signing key and certificate from ``root``."""

    root: KeyPair
    issued: dict[str, KeyPair] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_files(cls, certificate_file: Path, key_file: Path) -> "LocalCertificateAuthority":
        """The authority whose root is in these PEM files; ``OSError`` or ``ValueError`` if they cannot be used."""
        return cls(KeyPair.from_pem(key_file.read_bytes(), certificate_file.read_bytes()))

    def credentials(self, unit_code: str) -> KeyPair:
        """The unit's key and certificate (issued now if this process has none for it, or its has expired)."""
        with self._lock:  # signing runs in worker threads: one key per unit, not one per thread
            now = datetime.now(UTC)
            held = self.issued.get(unit_code)
            if held is None or held.certificate.not_valid_after_utc <= now:
                unit = find_unit(unit_code)
                if unit is None:
                    raise UnknownUnitError(f"no unit {unit_code} in the units registry: no certificate can name it")
                held = unit_certificate(self.root, unit, province_name(unit.province_code), now)
                self.issued[unit_code] = held
            return held

    def chain(self) -> tuple[x509.Certificate, ...]:
        """The certificates above a unit's, to embed beside its signature: the root."""
        return (self.root.certificate,)


def province_name(province_code: str) -> str:
    """The province's name as the registry of places writes it (``Nghệ An``, ``Hà Nội``)."""
    return normalise_name(Province.from_code(ProvinceCode(int(province_code))).name)
