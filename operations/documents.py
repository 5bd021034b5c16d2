"""``lienthong documents verify FILE [--ca PATH] [--json]``: a signed result checked offline by pyHanko's validator.

The file's first signature is validated against the trusted root ``--ca`` (PEM, one or more
certificates; default ``LIENTHONG_SIGNING_CA_CERT_FILE``, else the local authority
``<local>/signing/ca.pem`` that ``deploy/local/signing_ca.py`` made). Nothing is fetched: no
service, no network. Exits 0 when the signature is intact, valid and trusted and nothing but
signature maintenance was appended after it; 1 otherwise, saying which.
"""

import json
import os
from pathlib import Path

from cryptography import x509

from operations.commands import OperatorError
from services.department.results.verification import Verdict, load_roots, verify
from shared.kernel.settings import REPO


def default_ca() -> Path:
    """The root a result is checked against when ``--ca`` is not given."""
    configured = os.environ.get("LIENTHONG_SIGNING_CA_CERT_FILE")
    if configured:
        return Path(configured)
    return Path(os.environ.get("LIENTHONG_LOCAL_DIR") or REPO / ".local") / "signing" / "ca.pem"


async def documents_verify(file: Path, ca: Path | None, *, as_json: bool) -> int:
    """Print the validator's verdict on ``file``; 0 when it is good, 1 when not."""
    verdict = await verify(_read(file), _roots(ca or default_ca()))
    print(json.dumps({"file": str(file), **verdict.as_json()}, ensure_ascii=False) if as_json else _text(file, verdict))
    return 0 if verdict.good else 1


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as error:
        raise OperatorError(f"cannot read {file}: {error.strerror or error}") from error


def _roots(ca: Path) -> list[x509.Certificate]:
    try:
        return load_roots(ca)
    except OSError as error:
        raise OperatorError(f"cannot read the trusted root {ca}: {error.strerror or error}") from error
    except ValueError as error:
        raise OperatorError(f"{ca} holds no PEM certificate: {error}") from error


def _text(file: Path, verdict: Verdict) -> str:
    if not verdict.signed:
        return f"{file}: NOT VERIFIED: {verdict.problem}"
    signed_at = verdict.signing_time.isoformat() if verdict.signing_time else "not stated"
    later = {None: "none", "LTA_UPDATES": "signature maintenance only"}.get(verdict.modification, verdict.modification)
    lines = [
        f"{file}: {'VERIFIED' if verdict.good else 'NOT VERIFIED'}",
        f"  signer        {verdict.signer}",
        f"  intact        {_yes(verdict.intact):4} (are the signed bytes as they were signed?)",
        f"  valid         {_yes(verdict.valid):4} (does the signature match the signer's key?)",
        f"  trusted       {_yes(verdict.trusted):4} (does the signer's certificate chain to the trusted root?)",
        f"  coverage      {verdict.coverage}",
        f"  changed after {later}",
        f"  signing time  {signed_at}",
    ]
    return "\n".join(lines)


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"
