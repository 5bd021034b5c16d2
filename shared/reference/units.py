"""The registry of units that can be given a task: sections, departments, centres and external agencies.

A unit is one kind of unit (``reference/unit_kinds.yaml``) in one place, and its code is the
place's code and the kind: ``17179.VP`` is the office of Xã Quỳnh Lưu, ``40.SNNMT`` the
Department of Agriculture and Environment of Nghệ An. Places and their codes come from
``vietnam-provinces`` (Decision 19/2025/QĐ-TTg), so unit codes are as stable as those codes.
Units are built on demand and cached; only ``all_units`` walks all of them.

Names: ``name_vi`` is the kind's name followed by the place as Vietnamese writes it
("Sở Tư pháp tỉnh Nghệ An", "Công an xã Quỳnh Lưu", "Công an thành phố Hà Nội");
``name_en`` is the kind's English name, a comma and the place's name ("Police, Xã Quỳnh Lưu").
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from vietnam_provinces import Province, VietNamDivisionType, Ward

from shared.reference.admin_units import commune_codes, find_commune, normalise_name, province_codes
from shared.reference.loading import REFERENCE_DIR, ReferenceDataError, _load

Level = Literal["commune", "province"]
Category = Literal["section", "department", "centre", "external"]

KINDS_PATH = REFERENCE_DIR / "unit_kinds.yaml"
OPTIONAL_PATH = REFERENCE_DIR / "optional_departments.yaml"
_UNIT_CODE = re.compile(r"(\d{2}|\d{5})\.([A-Z]{2,8})")


class NoSuchUnitError(LookupError):
    """No unit exists for this place and kind; the message says which unit and why."""


class KindName(BaseModel):
    """A kind's name in both languages."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name_vi: str = Field(min_length=1)
    name_en: str = Field(min_length=1)


class UnitKind(BaseModel):
    """A kind of unit at one level, e.g. the commune police (``commune``, ``CA``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[A-Z]{2,8}$")
    level: Level
    name_vi: str = Field(min_length=1, description="The name before the place: 'Sở Tư pháp' + 'tỉnh Nghệ An'.")
    name_en: str = Field(min_length=1)
    category: Category
    optional: bool = Field(default=False, description="A province department only some provinces have.")
    urban_name_vi: str | None = Field(default=None, description="The name in wards and urban special zones.")
    urban_name_en: str | None = None
    name_beside: dict[str, KindName] = Field(
        default={},
        description="The name in a province that also has this optional department, e.g. the culture department "
        "beside a Department of Tourism.",
    )

    @model_validator(mode="after")
    def _level_fits(self) -> Self:
        if self.optional and (self.level, self.category) != ("province", "department"):
            raise ValueError("only a province department can be optional")
        if self.level == "province" and (self.urban_name_vi or self.urban_name_en):
            raise ValueError("only a commune-level kind can have an urban name")
        if self.name_beside and self.level != "province":
            raise ValueError("only a province-level kind can be named after the departments beside it")
        return self


class UnitKinds(BaseModel):
    """The contents of ``unit_kinds.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    urban_special_zones: tuple[str, ...] = ()
    kinds: tuple[UnitKind, ...] = Field(min_length=1)

    @field_validator("kinds")
    @classmethod
    def _unique(cls, kinds: tuple[UnitKind, ...]) -> tuple[UnitKind, ...]:
        seen: set[tuple[str, str]] = set()
        for kind in kinds:
            if (kind.level, kind.code) in seen:
                raise ValueError(f"duplicate kind {kind.level}:{kind.code}")
            seen.add((kind.level, kind.code))
        return kinds

    @model_validator(mode="after")
    def _beside_optional_departments(self) -> Self:
        optional = {k.code for k in self.kinds if k.optional}
        for kind in self.kinds:
            unknown = sorted(set(kind.name_beside) - optional)
            if unknown:
                raise ValueError(
                    f"kind {kind.code}: name_beside names {', '.join(unknown)}, not an optional department"
                )
        return self

    @field_validator("urban_special_zones")
    @classmethod
    def _communes_exist(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [code for code in codes if find_commune(code) is None]
        if unknown:
            raise ValueError(f"no commune {', '.join(unknown)}")
        return codes


class ProvinceDepartments(BaseModel):
    """The optional departments one province has set up."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^\d{2}$")
    departments: tuple[str, ...] = Field(min_length=1)
    confirmed: bool
    source: str = Field(min_length=1)

    @field_validator("code")
    @classmethod
    def _province_exists(cls, code: str) -> str:
        if code not in province_codes():
            raise ValueError(f"no province {code}")
        return code

    @field_validator("departments")
    @classmethod
    def _unique(cls, departments: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(departments)) != len(departments):
            raise ValueError(f"a department is listed twice: {', '.join(departments)}")
        return departments


class OptionalDepartments(BaseModel):
    """The contents of ``optional_departments.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    max_departments: int = Field(ge=1)
    max_departments_by_province: dict[str, int] = {}
    provinces: tuple[ProvinceDepartments, ...]

    @field_validator("max_departments_by_province")
    @classmethod
    def _provinces_exist(cls, caps: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(caps) - province_codes())
        if unknown:
            raise ValueError(f"no province {', '.join(unknown)}")
        return caps

    @field_validator("provinces")
    @classmethod
    def _once_each(cls, provinces: tuple[ProvinceDepartments, ...]) -> tuple[ProvinceDepartments, ...]:
        codes = [p.code for p in provinces]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"province {', '.join(twice)} is listed more than once")
        return provinces

    def of(self, province_code: str) -> frozenset[str]:
        """The optional departments of this province (none if it is not listed)."""
        return next((frozenset(p.departments) for p in self.provinces if p.code == province_code), frozenset())


class Unit(BaseModel):
    """A concrete unit that can be given a task, e.g. ``40.SNNMT`` or ``30742.CA``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    kind: str
    level: Level
    name_vi: str
    name_en: str
    province_code: str
    commune_code: str | None
    external: bool


@cache
def kind_registry(path: Path = KINDS_PATH) -> UnitKinds:
    """The kinds of units, loaded and validated; errors name the file and field."""
    return _load(path, UnitKinds)


@cache
def optional_departments(path: Path = OPTIONAL_PATH, kinds_path: Path = KINDS_PATH) -> OptionalDepartments:
    """Which provinces have which optional departments, checked against the kinds in ``kinds_path``."""
    loaded = _load(path, OptionalDepartments)
    kinds = kind_registry(kinds_path).kinds
    optional = {k.code for k in kinds if k.optional}
    mandatory = sum(1 for k in kinds if (k.level, k.category, k.optional) == ("province", "department", False))
    for province in loaded.provinces:
        where = f"{path}: provinces[{province.code}].departments"
        for department in province.departments:
            if department not in optional:
                raise ReferenceDataError(
                    f"{where}: {department} is not an optional province department in {kinds_path.name}"
                )
        cap = loaded.max_departments_by_province.get(province.code, loaded.max_departments)
        if mandatory + len(province.departments) > cap:
            raise ReferenceDataError(
                f"{where}: {mandatory} mandatory and {len(province.departments)} optional departments exceed {cap}"
            )
    return loaded


def unit_kinds() -> tuple[UnitKind, ...]:
    """Every kind of unit at both levels, as listed in ``unit_kinds.yaml``."""
    return kind_registry().kinds


@cache
def _kinds_by_key() -> dict[tuple[str, str], UnitKind]:
    return {(k.level, k.code): k for k in unit_kinds()}


def find_kind(level: str, kind: str) -> UnitKind | None:
    """The kind with this code at this level, or None."""
    return _kinds_by_key().get((level, kind))


@dataclass(frozen=True)
class _Place:
    code: str
    name: str
    designation: str
    """The place as it follows a unit's name: "tỉnh Nghệ An", "thành phố Hà Nội", "phường Rạch Giá"."""


@cache
def _provinces() -> dict[str, _Place]:
    places = {}
    for province in Province.iter_all():
        code = f"{province.code.value:02d}"
        name = normalise_name(province.name)
        designation = f"tỉnh {name}" if province.division_type == VietNamDivisionType.TINH else _lower_first(name)
        places[code] = _Place(code, name, designation)
    return places


@cache
def _urban_communes() -> frozenset[str]:
    wards = {f"{w.code.value:05d}" for w in Ward.iter_all() if w.division_type == VietNamDivisionType.PHUONG}
    return frozenset(wards | set(kind_registry().urban_special_zones))


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _kind(level: str, kind: str) -> UnitKind:
    if level not in ("commune", "province"):
        raise NoSuchUnitError(f"no unit {level}:{kind}: the level is commune or province, not {level!r}")
    found = find_kind(level, kind)
    if found is None:
        known = ", ".join(k.code for k in unit_kinds() if k.level == level)
        raise NoSuchUnitError(f"no unit {level}:{kind}: there is no kind {kind!r} at {level} level (known: {known})")
    return found


@cache
def _unit(level: str, kind_code: str, place_code: str) -> Unit:
    kind = _kind(level, kind_code)
    code = f"{place_code}.{kind.code}"
    if kind.level == "commune":
        commune = find_commune(place_code)
        if commune is None:
            raise NoSuchUnitError(f"no unit {code}: there is no commune {place_code}")
        urban = place_code in _urban_communes()
        name_vi = (kind.urban_name_vi if urban else None) or kind.name_vi
        name_en = (kind.urban_name_en if urban else None) or kind.name_en
        place = _Place(commune.code, commune.name, _lower_first(commune.name))
        province_code, commune_code = commune.province_code, commune.code
    else:
        if place_code not in _provinces():
            raise NoSuchUnitError(f"no unit {code}: there is no province {place_code}")
        place = _provinces()[place_code]
        present = optional_departments().of(place_code)
        if kind.optional and kind.code not in present:
            raise NoSuchUnitError(f"province {place_code} ({place.name}) has no optional department {kind.code}")
        beside = next((names for other, names in kind.name_beside.items() if other in present), kind)
        name_vi, name_en = beside.name_vi, beside.name_en
        province_code, commune_code = place_code, None
    return Unit(
        code=code,
        kind=kind.code,
        level=kind.level,
        name_vi=f"{name_vi} {place.designation}",
        name_en=f"{name_en}, {place.name}",
        province_code=province_code,
        commune_code=commune_code,
        external=kind.category == "external",
    )


def unit_for(level: str, kind: str, *, commune_code: str) -> Unit:
    """The unit of this kind that serves the commune: its own section, or its province's department.

    Raises NoSuchUnitError for an unknown commune or kind, or an optional department the province lacks.
    """
    commune = find_commune(commune_code)
    if commune is None:
        raise NoSuchUnitError(f"no unit {level}:{kind} for commune {commune_code}: there is no such commune")
    return _unit(level, kind, commune_code if level == "commune" else commune.province_code)


def find_unit(code: str) -> Unit | None:
    """The unit with this code (``40.SNNMT``, ``30742.CA``), or None if the code names no unit."""
    match = _UNIT_CODE.fullmatch(code)
    if match is None:
        return None
    place, kind = match.groups()
    try:
        return _unit("province" if len(place) == 2 else "commune", kind, place)
    except NoSuchUnitError:
        return None


@cache
def province_units(province_code: str) -> tuple[Unit, ...]:
    """The departments, centre and external agencies of a province (not its communes' units).

    Raises NoSuchUnitError for an unknown province.
    """
    if province_code not in _provinces():
        raise NoSuchUnitError(f"there is no province {province_code}")
    present = optional_departments().of(province_code)
    return tuple(
        _unit("province", k.code, province_code)
        for k in unit_kinds()
        if k.level == "province" and (not k.optional or k.code in present)
    )


def all_units() -> Iterator[Unit]:
    """Every unit, province by province: the province's own units, then each commune's, by code."""
    commune_kinds = [k.code for k in unit_kinds() if k.level == "commune"]
    for province_code in sorted(_provinces()):
        yield from province_units(province_code)
        for commune_code in commune_codes(province_code):
            for kind in commune_kinds:
                yield _unit("commune", kind, commune_code)


def registry_version() -> str:
    """The versions the registry is built from: both reference files and the list of places."""
    return (
        f"kinds-{kind_registry().version}+optional-{optional_departments().version}"
        f"+vietnam-provinces-{package_version('vietnam-provinces')}"
    )
