"""The local signing certificate authority: a root key and certificate, created once into ``<local>/signing/``.

    python deploy/local/signing_ca.py ensure      # create them when missing, print where they are

``ca-key.pem`` (mode 0600) and ``ca.pem`` stand in for the province's certificate authority. The
department issues each unit's signing certificate from them (``LIENTHONG_SIGNING_CA_CERT_FILE``,
``LIENTHONG_SIGNING_CA_KEY_FILE``: ``stack.py`` passes both, so ``make demo`` signs with them; the e2e
stack makes its own in the run's temporary folder), and ``lienthong documents verify`` trusts ``ca.pem``
by default. In production the CA provider keeps the units' keys in its HSM and signs remotely; no
key of it is ever on a service's disk.
"""

import fcntl
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from kafka_principals import local_dir

from services.department.results.certificates import KeyPair, new_authority

CERT_VARIABLE = "LIENTHONG_SIGNING_CA_CERT_FILE"
KEY_VARIABLE = "LIENTHONG_SIGNING_CA_KEY_FILE"
NAME = "lienthong local signing CA"


def ca_files(folder: Path) -> tuple[Path, Path]:
    """Where the local folder ``folder`` keeps the authority: its certificate and its key."""
    return folder / "signing" / "ca.pem", folder / "signing" / "ca-key.pem"


def ensure(folder: Path) -> tuple[Path, Path]:
    """The authority's certificate and key files, created when either is missing or they do not match."""
    certificate, key = ca_files(folder)
    with _locked(certificate.parent):  # stack.py and a test run may start at once: one authority, not two halves
        if not _usable(certificate, key):
            pair = new_authority(NAME, datetime.now(UTC))
            _write(key, pair.key_pem(), 0o600)
            _write(certificate, pair.certificate_pem(), 0o644)
    return certificate, key


def signing_ca_env(folder: Path) -> dict[str, str]:
    """The department's variables naming the authority of ``folder`` (created when missing)."""
    certificate, key = ensure(folder)
    return {CERT_VARIABLE: str(certificate), KEY_VARIABLE: str(key)}


def _usable(certificate: Path, key: Path) -> bool:
    if not (certificate.exists() and key.exists()):
        return False
    try:
        KeyPair.from_pem(key.read_bytes(), certificate.read_bytes())
    except ValueError:
        return False
    return True


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with (directory / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` whole with ``mode`` from its creation (a key is never readable by others, even briefly)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    tmp.replace(path)


def main(argv: list[str]) -> int:
    if argv != ["ensure"]:
        print("usage: python deploy/local/signing_ca.py ensure", file=sys.stderr)
        return 2
    certificate, key = ensure(local_dir())
    print(f"signing_ca: certificate {certificate}, key {key} (0600)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
