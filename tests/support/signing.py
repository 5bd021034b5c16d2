"""A certificate authority of the tests' own, and the signer the department would build from it."""

from datetime import UTC, datetime
from functools import cache

from services.department.results.certificates import KeyPair, new_authority
from services.department.results.local_ca import LocalCertificateAuthority
from services.department.results.signing import LocalPadesSigner


@cache
def signing_authority() -> KeyPair:
    """One root per test run (a 3072-bit key takes a moment to make)."""
    return new_authority("lienthong test signing CA", datetime.now(UTC))


def local_signer() -> LocalPadesSigner:
    """A signer whose units' certificates chain to :func:`signing_authority`."""
    return LocalPadesSigner(LocalCertificateAuthority(signing_authority()))
