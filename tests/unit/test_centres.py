"""Receiving centres derived from the units registry, with their agency ids (shared.reference.centres)."""

from collections import Counter
from pathlib import Path

import pytest

from services.intake.domain.submission import accept
from shared.reference.admin_units import commune_codes, commune_count, find_commune, province_codes
from shared.reference.centres import CENTRES_FILE, centres, commune_agency_id, province_agency_id
from shared.reference.data import ReferenceDataError, catalogue

ENTRY = """\
  - agency_id: "{agency_id}"
    name: "Trung tâm Phục vụ hành chính công"
    province_code: "{province}"
    source: "test"
"""


def _file(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "centres.yaml"
    path.write_text('version: "t"\ncentres:\n' + "".join(entries), encoding="utf-8")
    return path


def _entry(agency_id: str, province: str, replaces: str | None = None) -> str:
    text = ENTRY.format(agency_id=agency_id, province=province)
    return text + (f'    replaces: "{replaces}"\n' if replaces else "")


def test_every_commune_and_every_province_has_one_centre_with_its_own_agency_id() -> None:
    registry = centres()

    communes = Counter(c.commune_code for c in registry.centres if c.commune_code)
    provinces = Counter(c.province_code for c in registry.centres if c.commune_code is None)
    assert len(communes) == commune_count() == 3_321
    assert set(communes.values()) == {1}
    assert provinces == Counter(province_codes())
    assert len(provinces) == 34
    assert len({c.agency_id for c in registry.centres}) == len(registry.centres) == 3_355


def test_the_two_digits_after_h_name_the_centres_province_and_its_commune_is_in_it() -> None:
    for centre in centres().centres:
        assert centre.agency_id[-3:] == f"H{centre.province_code}", centre
        if centre.commune_code:
            commune = find_commune(centre.commune_code)
            assert commune is not None
            assert commune.province_code == centre.province_code


def test_the_derived_ids_follow_the_documented_rule() -> None:
    assert province_agency_id("40") == "000.00.15.H40"
    assert commune_agency_id("23734", "52") == "237.34.15.H52"

    ia_ly = centres().find("237.34.15.H52")
    assert ia_ly is not None
    assert (ia_ly.name, ia_ly.commune_code) == ("Trung tâm Phục vụ hành chính công xã Ia Ly", "23734")
    hanoi = centres().of_place("01")
    assert hanoi is not None
    assert (hanoi.agency_id, hanoi.name) == ("000.00.15.H01", "Trung tâm Phục vụ hành chính công thành phố Hà Nội")


def test_the_configured_ids_replace_the_derived_ones_of_their_communes() -> None:
    quynh_luu = centres().of_place("17179")

    assert quynh_luu is not None
    assert quynh_luu.agency_id == "000.01.15.H40"
    assert centres().find(commune_agency_id("17179", "40")) is None
    rach_gia = centres().find("000.07.15.H91")
    assert rach_gia is not None
    assert rach_gia.commune_code == "30742"


def test_every_commune_can_file_at_its_own_centre() -> None:
    registry = centres()
    for province in sorted(province_codes()):
        for commune in commune_codes(province):
            centre = registry.of_place(commune)
            assert centre is not None, commune
            accepted = accept(
                procedure_code="1.001193",
                commune_code=commune,
                receiving_agency=centre.agency_id,
                catalogue=catalogue(),
                centres=registry,
            )
            assert accepted.agency_id == centre.agency_id


def test_a_configured_centre_can_be_added_beside_the_derived_ones(tmp_path: Path) -> None:
    registry = centres.__wrapped__(_file(tmp_path, _entry("000.02.15.H40", "40")))

    added = registry.find("000.02.15.H40")
    assert added is not None
    assert added.commune_code is None
    assert len(registry.centres) == 3_356
    assert registry.of_place("40") == registry.find("000.00.15.H40")


def test_a_province_centre_can_be_replaced(tmp_path: Path) -> None:
    registry = centres.__wrapped__(_file(tmp_path, _entry("000.00.16.H40", "40", replaces="40")))

    replaced = registry.of_place("40")
    assert replaced is not None
    assert replaced.agency_id == "000.00.16.H40"
    assert registry.find("000.00.15.H40") is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (_entry("000.00.15.H93", "93"), "no province 93"),
        (_entry("000.01.15.H40", "40", replaces="99999"), "replaces: no commune 99999"),
        (_entry("000.01.15.H40", "40", replaces="30742"), "replaces: commune 30742 is in province 91"),
        (_entry("000.01.15.H91", "40"), "agency id 000.01.15.H91 names province 91, not 40"),
        (_entry("H40", "40"), r"centres\[0\]\.agency_id"),
    ],
)
def test_a_configured_centre_naming_an_unknown_place_is_a_load_error_naming_it(
    tmp_path: Path, entry: str, message: str
) -> None:
    path = _file(tmp_path, entry)

    with pytest.raises(ReferenceDataError, match=message) as caught:
        centres.__wrapped__(path)

    assert str(path) in str(caught.value)


def test_two_centres_with_one_agency_id_are_a_load_error_naming_both(tmp_path: Path) -> None:
    taken = commune_agency_id("16681", "40")

    with pytest.raises(ReferenceDataError, match=f"agency id {taken} is given to both commune 16681 and"):
        centres.__wrapped__(_file(tmp_path, _entry(taken, "40")))


def test_a_place_replaced_twice_is_a_load_error(tmp_path: Path) -> None:
    twice = _entry("000.01.15.H40", "40", replaces="17179") + _entry("000.02.15.H40", "40", replaces="17179")

    with pytest.raises(ReferenceDataError, match="the centre of 17179 is replaced more than once"):
        centres.__wrapped__(_file(tmp_path, twice))


def test_the_shipped_file_is_the_default() -> None:
    assert centres.__wrapped__(CENTRES_FILE) == centres()
