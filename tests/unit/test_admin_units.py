"""Provinces and communes since 1 July 2025 (shared.reference.admin_units)."""

import pytest

from shared.reference.admin_units import Commune, _communes, commune_count, find_commune, province_codes


def test_there_are_3321_communes() -> None:
    assert commune_count() == 3321


def test_there_are_34_provinces() -> None:
    codes = province_codes()

    assert len(codes) == 34
    assert all(len(code) == 2 and code.isdigit() for code in codes)
    assert {"01", "40", "52", "91"} <= codes


def test_nghe_an_has_130_communes() -> None:
    in_nghe_an = [c for c in _communes().values() if c.province_code == "40"]

    assert len(in_nghe_an) == 130
    assert {c.province_name for c in in_nghe_an} == {"Nghệ An"}


def test_every_commune_belongs_to_a_known_province() -> None:
    assert {c.province_code for c in _communes().values()} == province_codes()


def test_commune_codes_are_five_digits() -> None:
    assert all(len(code) == 5 and code.isdigit() and c.code == code for code, c in _communes().items())


def test_30742_is_phuong_rach_gia_in_an_giang() -> None:
    assert find_commune("30742") == Commune(
        code="30742", name="Phường Rạch Giá", province_code="91", province_name="An Giang"
    )


def test_23734_is_xa_ia_ly_in_gia_lai() -> None:
    assert find_commune("23734") == Commune(code="23734", name="Xã Ia Ly", province_code="52", province_name="Gia Lai")


def test_17179_is_xa_quynh_luu_in_nghe_an() -> None:
    assert find_commune("17179") == Commune(
        code="17179", name="Xã Quỳnh Lưu", province_code="40", province_name="Nghệ An"
    )


def test_codes_keep_their_leading_zeros() -> None:
    commune = find_commune("00004")

    assert commune is not None
    assert commune.code == "00004"
    assert commune.province_code == "01"


@pytest.mark.parametrize("code", ["99999", "", "4", "30742 ", "abcde", "030742"])
def test_unknown_code_gives_none(code: str) -> None:
    assert find_commune(code) is None
