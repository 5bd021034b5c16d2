"""The province codes of birth registration: loaded once, validated, covering today's 34 provinces."""

from pathlib import Path

import pytest

from services.intake.reference.birth_provinces import birth_provinces
from shared.reference.admin_units import province_codes
from shared.reference.data import ReferenceDataError


def test_the_shipped_file_lists_the_63_provinces_before_the_merger_with_its_source() -> None:
    registry = birth_provinces()

    assert len(registry.codes) == 63
    assert "Circular 07/2016/TT-BCA" in registry.source
    assert {p.code: p.name for p in registry.provinces}["040"] == "Nghệ An"


def test_every_current_province_code_can_start_a_citizen_id() -> None:
    assert len(province_codes()) == 34
    assert {f"0{code}" for code in province_codes()} <= birth_provinces().codes


@pytest.mark.parametrize(
    ("provinces", "words"),
    [
        ('[{code: "040", name: "Nghệ An"}, {code: "040", name: "Nghệ An"}]', "'040' is listed twice"),
        ('[{code: "40", name: "Nghệ An"}]', "provinces[40].code: String should match pattern"),
        ("[]", "provinces: Tuple should have at least 1 item"),
    ],
)
def test_a_mistake_in_the_file_names_the_file_and_the_field(tmp_path: Path, provinces: str, words: str) -> None:
    path = tmp_path / "birth_provinces.yaml"
    path.write_text(f'source: "test"\nverified: false\nprovinces: {provinces}\n', encoding="utf-8")

    with pytest.raises(ReferenceDataError) as error:
        birth_provinces(path)

    assert str(path) in str(error.value)
    assert words in str(error.value)
