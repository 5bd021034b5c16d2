"""Reference data checked across files when it loads, and the names it gives places and units."""

from pathlib import Path

import pytest
from vietnam_provinces import Province, Ward

from shared.reference.admin_units import find_commune, normalise_name
from shared.reference.centres import centres
from shared.reference.data import ReferenceDataError, catalogue
from shared.reference.units import all_units, find_unit, kind_registry


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_task_of_the_shipped_catalogue_names_a_known_kind() -> None:
    assert catalogue.__wrapped__().procedures


def test_a_kind_named_beside_a_department_that_is_not_optional_is_a_load_error(tmp_path: Path) -> None:
    kinds = """\
version: "t"
kinds:
  - {code: SNV, level: province, name_vi: "Sở Nội vụ", name_en: "Home Affairs", category: department,
     name_beside: {STP: {name_vi: "x", name_en: "x"}}}
"""
    with pytest.raises(ReferenceDataError, match="kind SNV: name_beside names STP, not an optional department"):
        kind_registry.__wrapped__(_write(tmp_path, "unit_kinds.yaml", kinds))


def test_names_from_the_package_lose_their_double_spaces() -> None:
    doubled = [w for w in Ward.iter_all() if "  " in w.name]
    assert doubled, "the package has no doubled spaces any more: this test shows nothing"

    for ward in doubled:
        commune = find_commune(f"{ward.code.value:05d}")
        assert commune is not None
        assert commune.name == " ".join(ward.name.split())
    assert normalise_name("Xã  Bắc Đông Quan ") == "Xã Bắc Đông Quan"


def test_no_commune_province_unit_or_centre_name_carries_a_double_or_outer_space() -> None:
    names = [find_commune(f"{w.code.value:05d}") for w in Ward.iter_all()]
    texts = [n.name for n in names if n] + [n.province_name for n in names if n]
    texts += [normalise_name(p.name) for p in Province.iter_all()]
    texts += [u.name_vi for u in all_units()] + [u.name_en for u in all_units()]
    texts += [c.name for c in centres().centres]

    assert [t for t in texts if t != normalise_name(t)] == []


def test_hanoi_and_ho_chi_minh_city_culture_departments_carry_their_own_names() -> None:
    hanoi, hcmc, nghe_an = (find_unit(f"{p}.SVHTTDL") for p in ("01", "79", "40"))

    assert hanoi is not None
    assert hcmc is not None
    assert nghe_an is not None
    assert hanoi.name_vi == "Sở Văn hóa và Thể thao thành phố Hà Nội"
    assert hcmc.name_vi == "Sở Văn hóa và Thể thao thành phố Hồ Chí Minh"
    assert hcmc.name_en == "Department of Culture and Sports, Thành phố Hồ Chí Minh"
    assert nghe_an.name_vi == "Sở Văn hóa, Thể thao và Du lịch tỉnh Nghệ An"
    tourism = find_unit("01.SDL")
    assert tourism is not None
    assert tourism.name_vi == "Sở Du lịch thành phố Hà Nội"


def test_the_inter_connected_groups_carry_the_codes_that_replaced_the_repealed_ones() -> None:
    codes = {p.code for p in catalogue().procedures}

    assert {"3.000722", "2.002913"} <= codes
    assert not {"2.002621", "2.002622"} & codes
    birth = catalogue().find("3.000722")
    death = catalogue().find("2.002913")
    assert birth is not None
    assert death is not None
    assert {c.key for c in birth.components} == {"birth", "residence", "health-insurance"}
    assert {c.key for c in death.components} == {"death", "residence-removal", "funeral-allowance", "survivor-benefit"}
    assert "replaced by it" in birth.source
    assert "2.002621" in birth.source
    assert "replaced by it" in death.source
    assert "2.002622" in death.source
