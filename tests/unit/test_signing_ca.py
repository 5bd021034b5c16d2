"""The local signing authority: made once, its key private, the same at every start; a broken pair is made anew."""

import stat
from pathlib import Path

from cryptography import x509
from signing_ca import CERT_VARIABLE, KEY_VARIABLE, ca_files, signing_ca_env

from services.department.results.certificates import KeyPair


def test_the_authority_is_made_once_with_a_private_key(tmp_path: Path) -> None:
    env = signing_ca_env(tmp_path)
    certificate, key = ca_files(tmp_path)
    assert env == {CERT_VARIABLE: str(certificate), KEY_VARIABLE: str(key)}
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    first = certificate.read_bytes()
    signing_ca_env(tmp_path)
    assert certificate.read_bytes() == first, "a second start finds the same authority"


def test_the_root_may_sign_certificates_and_nothing_else(tmp_path: Path) -> None:
    certificate, key = ca_files(tmp_path)
    signing_ca_env(tmp_path)
    root = KeyPair.from_pem(key.read_bytes(), certificate.read_bytes()).certificate
    usage = root.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign
    assert not usage.digital_signature


def test_a_key_that_does_not_match_its_certificate_makes_a_new_authority(tmp_path: Path) -> None:
    certificate, key = ca_files(tmp_path)
    signing_ca_env(tmp_path)
    other = tmp_path / "other"
    signing_ca_env(other)
    key.write_bytes(ca_files(other)[1].read_bytes())  # half of another authority
    signing_ca_env(tmp_path)
    KeyPair.from_pem(key.read_bytes(), certificate.read_bytes())  # a matching pair again
