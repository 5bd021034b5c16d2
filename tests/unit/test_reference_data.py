"""Loading and validating the procedure catalogue and the centre registry (shared.reference_data)."""

from pathlib import Path

import pytest

from shared.reference_data import (
    REFERENCE_DIR,
    Catalogue,
    CentreRegistry,
    ReferenceDataError,
    _load,
    catalogue,
    centres,
)

GOOD_PROCEDURE = """\
  - code: "1.001193"
    name_vi: "Đăng ký khai sinh"
    name_en: "Birth registration"
    level: commune
    unit_kind: VP
    working_days: 1
"""


def _write(tmp_path: Path, text: str, name: str = "procedures.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_catalogue_loads() -> None:
    shipped = catalogue()

    assert isinstance(shipped, Catalogue)
    assert shipped.version == "2026.11-skeleton"
    assert [p.code for p in shipped.procedures] == ["1.001193", "1.000894", "1.012766", "1.009972"]


def test_shipped_catalogue_finds_birth_registration() -> None:
    birth = catalogue().find("1.001193")

    assert birth is not None
    assert birth.name_vi == "Đăng ký khai sinh"
    assert birth.level == "commune"
    assert birth.unit_kind == "VP"
    assert birth.working_days == 1


def test_catalogue_find_unknown_code_gives_none() -> None:
    assert catalogue().find("9.999999") is None


def test_shipped_centre_registry_loads() -> None:
    shipped = centres()

    assert isinstance(shipped, CentreRegistry)
    assert len(shipped.centres) == 6
    assert {c.province_code for c in shipped.centres} == {"01", "40", "52", "91"}


def test_centre_registry_finds_quynh_luu_centre() -> None:
    centre = centres().find("000.01.15.H40")

    assert centre is not None
    assert centre.province_code == "40"
    assert "Quỳnh Lưu" in centre.name
    assert centres().find("000.99.15.H40") is None


def test_catalogue_is_loaded_once() -> None:
    assert catalogue() is catalogue()
    assert centres() is centres()


def test_default_paths_are_the_shipped_reference_files() -> None:
    assert catalogue.__wrapped__(REFERENCE_DIR / "procedures.yaml") == catalogue()
    assert centres.__wrapped__(REFERENCE_DIR / "centres.yaml") == centres()


def test_valid_catalogue_file_loads_from_any_path(tmp_path: Path) -> None:
    path = _write(tmp_path, f'version: "t"\nprocedures:\n{GOOD_PROCEDURE}')

    loaded = catalogue.__wrapped__(path)

    assert loaded.version == "t"
    assert [p.code for p in loaded.procedures] == ["1.001193"]


def test_negative_working_days_names_file_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, f'version: "t"\nprocedures:\n{GOOD_PROCEDURE}' + GOOD_PROCEDURE.replace(": 1\n", ": -1\n"))

    with pytest.raises(ReferenceDataError) as caught:
        catalogue.__wrapped__(path)

    message = str(caught.value)
    assert str(path) in message
    assert "procedures.1.working_days" in message
    assert "greater than or equal to 0" in message


def test_missing_field_names_file_and_field(tmp_path: Path) -> None:
    text = f'version: "t"\nprocedures:\n{GOOD_PROCEDURE}'.replace('    name_en: "Birth registration"\n', "")
    path = _write(tmp_path, text)

    with pytest.raises(ReferenceDataError) as caught:
        _load(path, Catalogue)

    message = str(caught.value)
    assert str(path) in message
    assert "procedures.0.name_en" in message
    assert "Field required" in message


def test_unknown_field_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, f'version: "t"\nprocedures:\n{GOOD_PROCEDURE}    fee: 50000\n')

    with pytest.raises(ReferenceDataError, match=r"procedures\.0\.fee"):
        _load(path, Catalogue)


def test_malformed_procedure_code_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, f'version: "t"\nprocedures:\n{GOOD_PROCEDURE.replace("1.001193", "1001193")}')

    with pytest.raises(ReferenceDataError, match=r"procedures\.0\.code"):
        _load(path, Catalogue)


def test_invalid_level_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, f'version: "t"\nprocedures:\n{GOOD_PROCEDURE.replace("commune", "district")}')

    with pytest.raises(ReferenceDataError, match=r"procedures\.0\.level"):
        _load(path, Catalogue)


def test_every_problem_is_listed(tmp_path: Path) -> None:
    broken = GOOD_PROCEDURE.replace(": 1\n", ": -1\n").replace("unit_kind: VP", "unit_kind: vp")
    path = _write(tmp_path, f"procedures:\n{broken}")

    with pytest.raises(ReferenceDataError) as caught:
        _load(path, Catalogue)

    message = str(caught.value)
    assert "version: Field required" in message
    assert "procedures.0.unit_kind" in message
    assert "procedures.0.working_days" in message


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "version: [unclosed\nprocedures: {\n")

    with pytest.raises(ReferenceDataError) as caught:
        catalogue.__wrapped__(path)

    assert str(caught.value).startswith(f"{path}: not valid YAML")


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"

    with pytest.raises(ReferenceDataError) as caught:
        catalogue.__wrapped__(path)

    assert str(caught.value).startswith(f"{path}: cannot read")


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, "")

    with pytest.raises(ReferenceDataError, match=str(path)):
        catalogue.__wrapped__(path)


def test_bad_centre_agency_id_names_file_and_field(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        'centres:\n  - agency_id: "H40"\n    name: "Trung tâm"\n    province_code: "40"\n',
        name="centres.yaml",
    )

    with pytest.raises(ReferenceDataError) as caught:
        centres.__wrapped__(path)

    message = str(caught.value)
    assert str(path) in message
    assert "centres.0.agency_id" in message


def test_reference_data_error_is_a_value_error() -> None:
    assert issubclass(ReferenceDataError, ValueError)
