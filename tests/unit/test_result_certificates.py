"""The local authority's certificates: one per unit, named by the unit and its province, for signing only."""

from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from services.department.results.certificates import common_name
from services.department.results.local_ca import LocalCertificateAuthority, UnknownUnitError, province_name
from shared.reference.units import all_units, find_unit
from tests.support.signing import signing_authority


def test_every_unit_has_a_common_name_within_the_bound_naming_its_code() -> None:
    for unit in all_units():
        name = common_name(unit)
        assert len(name) <= 64, name
        assert name.endswith(f" ({unit.code})")


def test_a_long_name_is_cut_short_visibly() -> None:
    unit = find_unit("00196.VP")
    assert unit is not None
    assert common_name(unit).startswith("Văn phòng Hội đồng nhân dân")
    assert "… (00196.VP)" in common_name(unit)


@pytest.mark.filterwarnings("ignore:Attribute's length:UserWarning")  # bytes, not the RFC's characters
def test_a_unit_certificate_names_the_unit_and_its_province_and_may_only_sign() -> None:
    authority = LocalCertificateAuthority(signing_authority())
    pair = authority.credentials("40.SNNMT")
    certificate = pair.certificate
    subject = certificate.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "Sở Nông nghiệp và Môi trường tỉnh Nghệ An (40.SNNMT)"
    )
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Nghệ An"
    assert certificate.issuer == signing_authority().certificate.subject
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.content_commitment
    assert not usage.key_cert_sign
    assert not certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert certificate.not_valid_after_utc > datetime.now(UTC)


def test_a_unit_keeps_its_certificate_for_the_process_and_units_differ() -> None:
    authority = LocalCertificateAuthority(signing_authority())
    assert authority.credentials("17179.KT") is authority.credentials("17179.KT")
    assert authority.credentials("17179.KT").certificate != authority.credentials("17179.VP").certificate


def test_no_certificate_names_a_unit_the_registry_does_not_know() -> None:
    with pytest.raises(UnknownUnitError):
        LocalCertificateAuthority(signing_authority()).credentials("99999.XX")


def test_province_names_are_as_the_registry_of_places_writes_them() -> None:
    assert (province_name("40"), province_name("01")) == ("Nghệ An", "Thành phố Hà Nội")
