"""Provinces and communes since 1 July 2025, from the ``vietnam-provinces`` package."""

from dataclasses import dataclass
from functools import cache

from vietnam_provinces import Province, Ward


def normalise_name(name: str) -> str:
    """A place name with its runs of whitespace made one space and none at either end.

    The package writes some names with two spaces ("Xã  Bắc Đông Quan"); names shown to
    applicants, and printed on receipts, should not depend on that.
    """
    return " ".join(name.split())


@dataclass(frozen=True)
class Commune:
    """A commune-level unit (xã, phường or đặc khu) and its province."""

    code: str
    name: str
    province_code: str
    province_name: str


@cache
def _communes() -> dict[str, Commune]:
    provinces = {p.code.value: normalise_name(p.name) for p in Province.iter_all()}
    return {
        f"{w.code.value:05d}": Commune(
            code=f"{w.code.value:05d}",
            name=normalise_name(w.name),
            province_code=f"{w.province_code.value:02d}",
            province_name=provinces[w.province_code.value],
        )
        for w in Ward.iter_all()
    }


def find_commune(code: str) -> Commune | None:
    """The commune with this 5-digit code, or None."""
    return _communes().get(code)


def province_codes() -> set[str]:
    return {f"{p.code.value:02d}" for p in Province.iter_all()}


def commune_count() -> int:
    return len(_communes())


@cache
def _codes_by_province() -> dict[str, tuple[str, ...]]:
    by_province: dict[str, list[str]] = {}
    for commune in _communes().values():
        by_province.setdefault(commune.province_code, []).append(commune.code)
    return {province: tuple(sorted(codes)) for province, codes in by_province.items()}


def commune_codes(province_code: str) -> tuple[str, ...]:
    """The codes of the province's communes, in order (none for an unknown province)."""
    return _codes_by_province().get(province_code, ())
