"""Provinces and communes since 1 July 2025, from the ``vietnam-provinces`` package."""

from dataclasses import dataclass
from functools import cache

from vietnam_provinces import Province, Ward


@dataclass(frozen=True)
class Commune:
    """A commune-level unit (xã, phường or đặc khu) and its province."""

    code: str
    name: str
    province_code: str
    province_name: str


@cache
def _communes() -> dict[str, Commune]:
    provinces = {p.code.value: p.name for p in Province.iter_all()}
    return {
        f"{w.code.value:05d}": Commune(
            code=f"{w.code.value:05d}",
            name=w.name,
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
