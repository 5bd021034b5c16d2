"""Loads the codes of the provinces of birth registration (digits 1-3 of a citizen ID), validated once."""

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.reference.data import REFERENCE_DIR, _load


class BirthProvince(BaseModel):
    """A province as digits 1-3 of a citizen ID name it: ``"0"`` + its two-digit code."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^0\d{2}$")
    name: str = Field(min_length=1)


class BirthProvinceRegistry(BaseModel):
    """Every province code a citizen ID may start with, and the text it comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(min_length=1)
    verified: bool = Field(description="Whether the list was checked against the source text itself.")
    provinces: tuple[BirthProvince, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _codes_are_unique(self) -> "BirthProvinceRegistry":
        seen: set[str] = set()
        for province in self.provinces:
            if province.code in seen:
                raise ValueError(f"province code {province.code!r} is listed twice")
            seen.add(province.code)
        return self

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(p.code for p in self.provinces)


@cache
def birth_provinces(path: Path = REFERENCE_DIR / "birth_provinces.yaml") -> BirthProvinceRegistry:
    """The registry, read and validated on first use; a mistake raises ``ReferenceDataError`` naming it."""
    return _load(path, BirthProvinceRegistry)


@cache
def birth_province_codes() -> frozenset[str]:
    return birth_provinces().codes
