"""lienthong documents verify: the validator's verdict on a signed result, offline, and the exit status it gives."""

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from operations import main
from services.department.results.certificates import common_name, new_authority
from services.department.results.lookup import lookup_url
from services.department.results.rendering import render
from services.department.results.templates import compose
from shared.contracts import Applicant, ResultKind, ResultRequested
from shared.reference.data import catalogue
from shared.reference.units import find_unit
from tests.support.signing import local_signer, signing_authority

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A signed birth extract, and the root that trusts it, on disk."""
    folder = tmp_path_factory.mktemp("documents")
    event = ResultRequested(
        dossier_id=uuid4(),
        dossier_code="000.01.15.H40-261202-0011",
        sequence=3,
        task_id=uuid4(),
        unit_code="17179.VP",
        procedure_code="1.001193",
        kind=ResultKind.RESULT,
        applicant=Applicant(citizen_id="040190000123", full_name="Trần Văn An"),
        received_at=NOW - timedelta(days=1),
        due_at=NOW,
        requested_at=NOW,
    )
    unit = find_unit("17179.VP")
    assert unit is not None
    link = lookup_url("http://127.0.0.1:8001/v1/lookup/", event.dossier_code)
    pdf = render(compose(event, catalogue().find("1.001193"), unit, "Nghệ An", NOW, link))
    result = asyncio.run(local_signer().sign(pdf, unit.code, reason="test", location="Nghệ An"))
    (folder / "result.pdf").write_bytes(result.body)
    (folder / "ca.pem").write_bytes(signing_authority().certificate_pem())
    return folder / "result.pdf", folder / "ca.pem"


def test_a_signed_result_verifies_against_its_root(
    signed: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    file, ca = signed
    assert main(["documents", "verify", str(file), "--ca", str(ca)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{file}: VERIFIED")
    unit = find_unit("17179.VP")
    assert unit is not None
    assert f"signer        Common Name: {common_name(unit)}, Organization: Nghệ An, Country: VN" in out
    assert "coverage      entire file" in out


def test_a_tampered_copy_exits_1_saying_it_is_not_intact(
    signed: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file, ca = signed
    body = bytearray(file.read_bytes())
    at = body.index(b"/Producer")  # a byte of the signed revision's metadata
    body[at + 1] ^= 0x20
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(body))
    assert main(["documents", "verify", str(tampered), "--ca", str(ca), "--json"]) == 1
    verdict = json.loads(capsys.readouterr().out)
    assert (verdict["intact"], verdict["good"]) == (False, False)


def test_another_root_does_not_trust_it(
    signed: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.pem"
    other.write_bytes(new_authority("another CA", NOW).certificate_pem())
    assert main(["documents", "verify", str(signed[0]), "--ca", str(other)]) == 1
    assert "trusted       NO" in capsys.readouterr().out


def test_an_unreadable_file_or_root_is_said_plainly(
    signed: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["documents", "verify", str(tmp_path / "missing.pdf"), "--ca", str(signed[1])]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert main(["documents", "verify", str(signed[0]), "--ca", str(signed[0])]) == 1
    assert "holds no PEM certificate" in capsys.readouterr().err
