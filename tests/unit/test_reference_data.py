"""Loading and validating the procedure catalogue and the centre registry (shared.reference.data)."""

from pathlib import Path

import pytest

from shared.reference.catalogue import Catalogue
from shared.reference.data import (
    REFERENCE_DIR,
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
    field: civil-status
    level: commune
    working_days: 1
    source: "Luật Hộ tịch 2014"
    verified: true
    documents: [{name_vi: "Tờ khai", name_en: "Form"}]
    fees: [{name_vi: "Miễn phí", name_en: "Free", amount_vnd: 0}]
    plan:
      - name: "Đăng ký"
        tasks: [{key: register-birth, name_vi: "Đăng ký", name_en: "Register", unit: "commune:VP", working_days: 1}]
"""


def _write(tmp_path: Path, text: str, name: str = "procedures.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_catalogue_loads() -> None:
    shipped = catalogue()

    assert isinstance(shipped, Catalogue)
    assert shipped.version
    assert shipped.find("1.001193") is not None


def test_shipped_catalogue_finds_birth_registration() -> None:
    birth = catalogue().find("1.001193")

    assert birth is not None
    assert birth.name_vi == "Đăng ký khai sinh"
    assert birth.level == "commune"
    assert [str(t.unit) for t in birth.tasks()] == ["commune:VP"]
    assert birth.working_days == 1


def test_catalogue_find_unknown_code_gives_none() -> None:
    assert catalogue().find("9.999999") is None


def test_shipped_centre_registry_loads() -> None:
    shipped = centres()

    assert isinstance(shipped, CentreRegistry)
    assert len(shipped.centres) == 3_321 + 34
    assert len({c.province_code for c in shipped.centres}) == 34


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
    assert "procedures[1.001193].working_days" in message
    assert "greater than or equal to 0" in message


def test_missing_field_names_file_and_field(tmp_path: Path) -> None:
    text = f'version: "t"\nprocedures:\n{GOOD_PROCEDURE}'.replace('    name_en: "Birth registration"\n', "")
    path = _write(tmp_path, text)

    with pytest.raises(ReferenceDataError) as caught:
        _load(path, Catalogue)

    message = str(caught.value)
    assert str(path) in message
    assert "procedures[1.001193].name_en" in message
    assert "Field required" in message


def test_unknown_field_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, f'version: "t"\nprocedures:\n{GOOD_PROCEDURE}    fee: 50000\n')

    with pytest.raises(ReferenceDataError, match=r"procedures\[1\.001193\]\.fee"):
        _load(path, Catalogue)


def test_malformed_procedure_code_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, f'version: "t"\nprocedures:\n{GOOD_PROCEDURE.replace("1.001193", "1001193")}')

    with pytest.raises(ReferenceDataError, match=r"procedures\[1001193\]\.code"):
        _load(path, Catalogue)


def test_invalid_level_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, f'version: "t"\nprocedures:\n{GOOD_PROCEDURE.replace("level: commune", "level: district")}')

    with pytest.raises(ReferenceDataError, match=r"procedures\[1\.001193\]\.level"):
        _load(path, Catalogue)


def test_every_problem_is_listed(tmp_path: Path) -> None:
    broken = GOOD_PROCEDURE.replace("working_days: 1\n", "working_days: -1\n").replace("commune:VP", "commune:vp")
    path = _write(tmp_path, f"procedures:\n{broken}")

    with pytest.raises(ReferenceDataError) as caught:
        _load(path, Catalogue)

    message = str(caught.value)
    assert "version: Field required" in message
    assert "procedures[1.001193].plan[0].tasks[register-birth].unit.kind" in message
    assert "procedures[1.001193].working_days" in message


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
        'version: "t"\ncentres:\n  - agency_id: "H40"\n    name: "Trung tâm"\n'
        '    province_code: "40"\n    source: "s"\n',
        name="centres.yaml",
    )

    with pytest.raises(ReferenceDataError) as caught:
        centres.__wrapped__(path)

    message = str(caught.value)
    assert str(path) in message
    assert "centres[0].agency_id" in message


def test_reference_data_error_is_a_value_error() -> None:
    assert issubclass(ReferenceDataError, ValueError)


def test_a_plan_longer_than_the_statutory_time_names_the_procedure(tmp_path: Path) -> None:
    too_long = GOOD_PROCEDURE.replace('unit: "commune:VP", working_days: 1', 'unit: "commune:VP", working_days: 4')
    path = _write(tmp_path, f'version: "t"\nprocedures:\n{too_long}')

    with pytest.raises(ReferenceDataError, match=r"procedures\[1\.001193\].*up to 4 working days, more than .* 1"):
        _load(path, Catalogue)


def test_a_task_naming_an_unknown_component_is_rejected(tmp_path: Path) -> None:
    broken = GOOD_PROCEDURE.replace("working_days: 1}]", "working_days: 1, component: residence}]")
    path = _write(tmp_path, f'version: "t"\nprocedures:\n{broken}')

    with pytest.raises(ReferenceDataError, match="task register-birth names unknown component 'residence'"):
        _load(path, Catalogue)


def test_repeated_procedure_codes_are_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, f'version: "t"\nprocedures:\n{GOOD_PROCEDURE}{GOOD_PROCEDURE}')

    with pytest.raises(ReferenceDataError, match=r"repeated: 1\.001193"):
        _load(path, Catalogue)


def test_a_catalogue_task_for_an_unknown_kind_of_unit_is_a_load_error_naming_it(tmp_path: Path) -> None:
    path = _write(tmp_path, f'version: "t"\nprocedures:\n{GOOD_PROCEDURE.replace("commune:VP", "province:SGTVT")}')

    with pytest.raises(ReferenceDataError) as caught:
        catalogue.__wrapped__(path)

    message = str(caught.value)
    assert message.startswith(str(path))
    assert (
        "procedures[1.001193].plan[0].tasks[register-birth].unit: no kind province:SGTVT in unit_kinds.yaml" in message
    )


def test_a_catalogue_task_for_a_kind_at_the_wrong_level_is_a_load_error(tmp_path: Path) -> None:
    path = _write(tmp_path, f'version: "t"\nprocedures:\n{GOOD_PROCEDURE.replace("commune:VP", "commune:SNNMT")}')

    with pytest.raises(ReferenceDataError, match=r"no kind commune:SNNMT in unit_kinds\.yaml"):
        catalogue.__wrapped__(path)
