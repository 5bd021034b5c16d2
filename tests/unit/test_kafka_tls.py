"""TLS to the brokers: with LIENTHONG_KAFKA_SSL_CA_FILE the clients trust that CA (e.g. Strimzi's cluster CA)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr

from shared.kernel.kafka_connection import broker_security, kafka_connection
from shared.kernel.settings import CommonSettings

CA_NAME = "lienthong test cluster CA"


def _ca_file(folder: Path) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = folder / "ca.crt"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def _settings(**overrides: object) -> CommonSettings:
    return CommonSettings(
        kafka_security_protocol="SASL_SSL",
        kafka_username="routing",
        kafka_password=SecretStr("not-a-real-password"),
        **overrides,  # type: ignore[arg-type]
    )


def _names(context: Any) -> set[str]:
    """The subjects' values of the CAs an SSL context trusts."""
    return {value for cert in context.get_ca_certs() for rdn in cert["subject"] for _, value in rdn}


def _trusted_names(settings: CommonSettings) -> set[str]:
    return _names(kafka_connection(settings)["ssl_context"])


def test_the_clients_trust_the_ca_file_when_one_is_set(tmp_path: Path) -> None:
    settings = _settings(kafka_ssl_ca_file=_ca_file(tmp_path))
    assert CA_NAME in _trusted_names(settings)
    security = broker_security(settings)
    assert security is not None
    assert security.ssl_context is not None
    assert CA_NAME in _names(security.ssl_context)


def test_without_a_ca_file_the_cluster_ca_is_not_trusted() -> None:
    assert CA_NAME not in _trusted_names(_settings())


def test_a_missing_ca_file_stops_the_client_instead_of_trusting_anything(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        kafka_connection(_settings(kafka_ssl_ca_file=tmp_path / "absent.crt"))
