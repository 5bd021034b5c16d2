"""Rules a submission must pass before the dossier is received (services.intake.domain.submission)."""

import pytest

from services.intake.domain.submission import AcceptedSubmission, SubmissionRejectedError, accept
from shared.reference.admin_units import find_commune
from shared.reference.data import catalogue, centres

BIRTH_REGISTRATION = "1.001193"
QUYNH_LUU_CENTRE = "000.01.15.H40"
XA_QUYNH_LUU = "17179"


def _accept(
    *,
    procedure_code: str = BIRTH_REGISTRATION,
    commune_code: str = XA_QUYNH_LUU,
    receiving_agency: str = QUYNH_LUU_CENTRE,
) -> AcceptedSubmission:
    return accept(
        procedure_code=procedure_code,
        commune_code=commune_code,
        receiving_agency=receiving_agency,
        catalogue=catalogue(),
        centres=centres(),
    )


def test_known_procedure_at_a_centre_of_the_communes_province_is_accepted() -> None:
    accepted = _accept()

    assert accepted.procedure.code == BIRTH_REGISTRATION
    assert accepted.procedure.name_vi == "Đăng ký khai sinh"
    assert accepted.commune == find_commune(XA_QUYNH_LUU)
    assert accepted.commune.name == "Xã Quỳnh Lưu"
    assert accepted.commune.province_code == "40"
    assert accepted.agency_id == QUYNH_LUU_CENTRE


def test_provincial_centre_accepts_any_commune_of_its_province() -> None:
    accepted = _accept(procedure_code="1.009972", receiving_agency="000.00.15.H40")

    assert accepted.agency_id == "000.00.15.H40"
    assert accepted.procedure.level == "province"


def test_unknown_procedure_is_rejected_on_procedure_code() -> None:
    with pytest.raises(SubmissionRejectedError) as caught:
        _accept(procedure_code="9.999999")

    assert caught.value.field == "procedure_code"
    assert "9.999999" in caught.value.reason
    assert str(caught.value).startswith("procedure_code: ")


def test_unknown_centre_is_rejected_on_receiving_agency() -> None:
    with pytest.raises(SubmissionRejectedError) as caught:
        _accept(receiving_agency="000.99.15.H40")

    assert caught.value.field == "receiving_agency"
    assert "000.99.15.H40" in caught.value.reason


def test_unknown_commune_is_rejected_on_commune_code() -> None:
    with pytest.raises(SubmissionRejectedError) as caught:
        _accept(commune_code="99999")

    assert caught.value.field == "commune_code"
    assert "99999" in caught.value.reason


def test_commune_of_another_province_is_rejected_naming_both_provinces() -> None:
    # Phường Rạch Giá (An Giang, 91) brought to a Nghệ An (40) centre.
    with pytest.raises(SubmissionRejectedError) as caught:
        _accept(commune_code="30742")

    assert caught.value.field == "commune_code"
    reason = caught.value.reason
    assert "Phường Rạch Giá" in reason
    assert "An Giang" in reason
    assert "province 91" in reason
    assert "province 40" in reason
    assert QUYNH_LUU_CENTRE in reason


def test_procedure_is_checked_before_centre_and_commune() -> None:
    with pytest.raises(SubmissionRejectedError) as caught:
        _accept(procedure_code="9.999999", receiving_agency="nowhere", commune_code="99999")

    assert caught.value.field == "procedure_code"


def test_centre_is_checked_before_commune() -> None:
    with pytest.raises(SubmissionRejectedError) as caught:
        _accept(receiving_agency="nowhere", commune_code="99999")

    assert caught.value.field == "receiving_agency"


def test_rejection_is_a_value_error() -> None:
    assert issubclass(SubmissionRejectedError, ValueError)
