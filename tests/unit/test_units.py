"""The registry of units that can be given a task (shared.reference.units)."""

from collections import Counter
from pathlib import Path

import pytest

from shared.reference.admin_units import commune_count, province_codes
from shared.reference.data import ReferenceDataError
from shared.reference.units import (
    KINDS_PATH,
    NoSuchUnitError,
    Unit,
    all_units,
    find_kind,
    find_unit,
    kind_registry,
    optional_departments,
    province_units,
    registry_version,
    unit_for,
    unit_kinds,
)

MANDATORY = {"SNV", "STP", "STC", "SCT", "SNNMT", "SXD", "SKHCN", "SVHTTDL", "SGDDT", "SYT", "TTT", "VPUBND"}
OPTIONAL = {"SNGV", "SDTTG", "SDL", "SQHKT"}
COMMUNE_KINDS = {"VP", "KT", "VHXH", "TTPVHCC", "CA"}

KINDS_HEAD = """\
version: "test"
kinds:
  - {code: VP, level: commune, name_vi: "Văn phòng", name_en: "Office", category: section}
  - {code: SNV, level: province, name_vi: "Sở Nội vụ", name_en: "Home Affairs", category: department}
  - {code: SDL, level: province, name_vi: "Sở Du lịch", name_en: "Tourism", category: department, optional: true}
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _optional_file(tmp_path: Path, province: str, departments: str) -> Path:
    text = f"""\
version: "test"
max_departments: 14
provinces:
  - {{code: "{province}", departments: [{departments}], confirmed: false, source: "test"}}
"""
    return _write(tmp_path, "optional_departments.yaml", text)


def test_shipped_kinds_are_exactly_the_agreed_codes() -> None:
    by_level = {level: {k.code for k in unit_kinds() if k.level == level} for level in ("commune", "province")}

    assert by_level["commune"] == COMMUNE_KINDS
    assert by_level["province"] == MANDATORY | OPTIONAL | {"TTPVHCC", "CA", "BHXH"}
    assert {k.code for k in unit_kinds() if k.optional} == OPTIONAL
    assert {(k.level, k.code) for k in unit_kinds() if k.category == "external"} == {
        ("commune", "CA"),
        ("province", "CA"),
        ("province", "BHXH"),
    }


def test_find_kind() -> None:
    kind = find_kind("province", "SNNMT")

    assert kind is not None
    assert kind.name_vi == "Sở Nông nghiệp và Môi trường"
    assert kind.category == "department"
    assert find_kind("commune", "SNNMT") is None
    assert find_kind("province", "VP") is None


def test_every_province_has_the_mandatory_departments_centre_police_and_social_insurance() -> None:
    assert len(province_codes()) == 34
    for province in province_codes():
        units = province_units(province)
        kinds = {u.kind for u in units}

        assert MANDATORY | {"TTPVHCC", "CA", "BHXH"} <= kinds
        assert kinds - MANDATORY - {"TTPVHCC", "CA", "BHXH"} <= OPTIONAL
        assert all(u.code == f"{province}.{u.kind}" and u.province_code == province for u in units)
        assert all(u.level == "province" and u.commune_code is None for u in units)


def test_optional_departments_only_where_listed() -> None:
    assert {u.kind for u in province_units("01")} >= {"SQHKT", "SDL"}
    assert not {u.kind for u in province_units("40")} & OPTIONAL


def test_every_commune_has_its_five_units() -> None:
    commune_units = [u for u in all_units() if u.level == "commune"]
    per_commune = Counter(u.commune_code for u in commune_units)

    assert len(per_commune) == commune_count() == 3321
    assert set(per_commune.values()) == {5}
    assert {u.kind for u in commune_units} == COMMUNE_KINDS


def test_all_units_are_unique_and_counted() -> None:
    units = list(all_units())
    optional = sum(len(p.departments) for p in optional_departments().provinces)

    assert len({u.code for u in units}) == len(units)
    assert len(units) == 34 * 15 + optional + 3321 * 5
    assert sum(1 for u in units if u.province_code == "40") == 15 + 130 * 5


def test_unit_for_phuong_rach_gia() -> None:
    assert unit_for("commune", "CA", commune_code="30742") == Unit(
        code="30742.CA",
        kind="CA",
        level="commune",
        name_vi="Công an phường Rạch Giá",
        name_en="Police, Phường Rạch Giá",
        province_code="91",
        commune_code="30742",
        external=True,
    )
    assert unit_for("commune", "KT", commune_code="30742").name_vi == "Phòng Kinh tế, Hạ tầng và Đô thị phường Rạch Giá"
    assert unit_for("province", "STP", commune_code="30742").code == "91.STP"


def test_unit_for_xa_ia_ly() -> None:
    assert unit_for("commune", "VP", commune_code="23734").code == "23734.VP"
    assert unit_for("commune", "KT", commune_code="23734").name_vi == "Phòng Kinh tế xã Ia Ly"
    assert unit_for("commune", "TTPVHCC", commune_code="23734").name_vi == "Trung tâm Phục vụ hành chính công xã Ia Ly"
    assert unit_for("province", "BHXH", commune_code="23734").code == "52.BHXH"


@pytest.mark.parametrize("kind", sorted(MANDATORY | {"TTPVHCC", "CA", "BHXH"}))
def test_province_unit_of_a_nghe_an_commune(kind: str) -> None:
    unit = unit_for("province", kind, commune_code="17179")

    assert unit.code == f"40.{kind}"
    assert unit.province_code == "40"
    assert unit.name_vi.endswith(" tỉnh Nghệ An")


def test_unit_names() -> None:
    assert unit_for("province", "SNNMT", commune_code="17179").name_vi == "Sở Nông nghiệp và Môi trường tỉnh Nghệ An"
    assert unit_for("commune", "CA", commune_code="17179").name_vi == "Công an xã Quỳnh Lưu"
    assert unit_for("province", "CA", commune_code="00004").name_vi == "Công an thành phố Hà Nội"


def test_unknown_commune() -> None:
    with pytest.raises(NoSuchUnitError, match="commune 99999"):
        unit_for("commune", "VP", commune_code="99999")


def test_unknown_kind() -> None:
    with pytest.raises(NoSuchUnitError, match="no kind 'XYZ' at province level"):
        unit_for("province", "XYZ", commune_code="17179")


def test_commune_kind_asked_at_province_level() -> None:
    with pytest.raises(NoSuchUnitError, match="no kind 'VP' at province level"):
        unit_for("province", "VP", commune_code="17179")


def test_missing_optional_department() -> None:
    with pytest.raises(NoSuchUnitError, match=r"^province 40 \(Nghệ An\) has no optional department SQHKT$"):
        unit_for("province", "SQHKT", commune_code="17179")


@pytest.mark.parametrize("code", ["40.SNNMT", "30742.CA", "17179.VP", "01.SQHKT", "52.SDTTG", "00004.TTPVHCC"])
def test_find_unit_round_trips(code: str) -> None:
    unit = find_unit(code)

    assert unit is not None
    assert unit.code == code


def test_find_unit_round_trips_every_unit_of_a_province() -> None:
    for unit in province_units("91"):
        assert find_unit(unit.code) == unit


@pytest.mark.parametrize(
    "code",
    [
        "40",
        "40.",
        ".SNV",
        "99.SNV",
        "40.XYZ",
        "12345.SNV",
        "30742.SNV",
        "40.VP",
        "40.SQHKT",
        "4.SNV",
        "040.SNV",
        "40.snv",
    ],
)
def test_find_unit_rejects(code: str) -> None:
    assert find_unit(code) is None


def test_registry_version_names_its_sources() -> None:
    version = registry_version()

    assert kind_registry().version in version
    assert "vietnam-provinces" in version


def test_shipped_optional_departments_are_unconfirmed_and_valid() -> None:
    shipped = optional_departments()

    assert shipped.version
    assert all(p.departments and set(p.departments) <= OPTIONAL for p in shipped.provinces)


def test_kinds_with_an_unknown_level(tmp_path: Path) -> None:
    path = _write(tmp_path, "unit_kinds.yaml", KINDS_HEAD.replace("level: commune", "level: district"))

    with pytest.raises(ReferenceDataError, match=r"unit_kinds\.yaml: kinds\[VP\]\.level"):
        kind_registry(path)


def test_kinds_with_a_duplicate_code(tmp_path: Path) -> None:
    text = KINDS_HEAD + '  - {code: VP, level: commune, name_vi: "Văn phòng", name_en: "Office", category: section}\n'
    path = _write(tmp_path, "unit_kinds.yaml", text)

    with pytest.raises(ReferenceDataError, match=r"unit_kinds\.yaml: kinds: .*duplicate kind commune:VP"):
        kind_registry(path)


def test_same_code_at_both_levels_is_allowed(tmp_path: Path) -> None:
    text = KINDS_HEAD + '  - {code: VP, level: province, name_vi: "Văn phòng", name_en: "Office", category: section}\n'

    assert len(kind_registry(_write(tmp_path, "unit_kinds.yaml", text)).kinds) == 4


def test_optional_commune_kind_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "unit_kinds.yaml", KINDS_HEAD.replace("category: section}", "category: section, optional: true}")
    )

    with pytest.raises(ReferenceDataError, match=r"kinds\[VP\]: .*only a province department can be optional"):
        kind_registry(path)


def test_optional_departments_load(tmp_path: Path) -> None:
    kinds = _write(tmp_path, "unit_kinds.yaml", KINDS_HEAD)

    loaded = optional_departments(_optional_file(tmp_path, "40", "SDL"), kinds)

    assert loaded.of("40") == {"SDL"}
    assert loaded.of("52") == frozenset()


def test_optional_departments_of_an_unknown_province(tmp_path: Path) -> None:
    path = _optional_file(tmp_path, "99", "SDL")

    with pytest.raises(
        ReferenceDataError, match=r"optional_departments\.yaml: provinces\[99\]\.code: .*no province 99"
    ):
        optional_departments(path, KINDS_PATH)


@pytest.mark.parametrize("kind", ["SNV", "VP", "XYZ"])
def test_optional_departments_with_a_kind_that_is_not_optional(tmp_path: Path, kind: str) -> None:
    path = _optional_file(tmp_path, "40", kind)

    with pytest.raises(
        ReferenceDataError,
        match=rf"optional_departments\.yaml: provinces\[40\]\.departments: {kind} is not an optional",
    ):
        optional_departments(path, KINDS_PATH)


def test_optional_departments_over_the_cap(tmp_path: Path) -> None:
    path = _optional_file(tmp_path, "40", "SNGV, SDTTG, SDL")

    with pytest.raises(
        ReferenceDataError, match=r"provinces\[40\]\.departments: 12 mandatory and 3 optional .* exceed 14"
    ):
        optional_departments(path, KINDS_PATH)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="cannot read"):
        kind_registry(tmp_path / "absent.yaml")
