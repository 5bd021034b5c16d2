"""Receiving centres: the service centre of every commune and every province, with its agency id.

Every commune-level unit (3,321) and every province (34) has a Public Administration Service
Centre (Decree 118/2025/NĐ-CP); each is derived from the units registry (``units.py``, places
from ``vietnam-provinces``), so every commune can file. A centre's **electronic agency id**
follows the structure of Decision 20/2020/QĐ-TTg, ``V1V2V3.Z1Z2.Y1Y2.MX1X2`` (level 4, 3, 2 and
1 codes), and is derived by this rule:

- ``MX1X2`` (level 1) is ``H`` and the province's 2-digit code of Decision 19/2025/QĐ-TTg, so the
  two digits after ``H`` name the province (``H40`` Nghệ An). The level-1 list published with
  Decision 20/2020 numbered the 63 provinces before the 2025 merger; it is not used here.
- ``Y1Y2`` (level 2) is ``15``, the code the province's service centre had in this deployment's
  first centre file.
- The province's own centre is ``000.00.15.H<province>``; a commune's centre takes its 5-digit
  commune code as levels 4 and 3, ``<first 3 digits>.<last 2 digits>.15.H<province>``
  (Xã Ia Ly 23734 in Gia Lai: ``237.34.15.H52``). Commune codes are unique and never reused,
  and none is 00000, so no two centres share an id and no id changes when communes are added.

The ids a province has actually issued are configuration: ``centres.yaml`` replaces a derived
centre (``replaces``: the commune or province code) or adds one; see docs/dossiers.md.
"""

from functools import cache
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from shared.reference.admin_units import commune_codes, find_commune, province_codes
from shared.reference.loading import REFERENCE_DIR, ReferenceDataError, _load
from shared.reference.units import Unit, find_unit

CENTRES_FILE = REFERENCE_DIR / "centres.yaml"
CENTRE_LEVEL_2 = "15"
CENTRE_KIND = "TTPVHCC"
AGENCY_ID = r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$"


class Centre(BaseModel):
    """A Public Administration Service Centre that receives dossiers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    agency_id: str = Field(pattern=AGENCY_ID)
    name: str
    province_code: str = Field(pattern=r"^\d{2}$")
    commune_code: str | None = Field(default=None, description="The commune it serves; None for a province centre.")


class CentreRegistry(BaseModel):
    """Every receiving centre, found by agency id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    centres: tuple[Centre, ...]
    _by_id: dict[str, Centre] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: object, /) -> None:
        self._by_id.update((c.agency_id, c) for c in self.centres)

    def find(self, agency_id: str) -> Centre | None:
        return self._by_id.get(agency_id)

    def of_place(self, place_code: str) -> Centre | None:
        """The centre of this commune (5 digits) or the province's own centre (2 digits)."""
        if len(place_code) == 5:
            return next((c for c in self.centres if c.commune_code == place_code), None)
        return next((c for c in self.centres if c.commune_code is None and c.province_code == place_code), None)


class ConfiguredCentre(BaseModel):
    """An entry of ``centres.yaml``: a centre replacing a derived one, or one more."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    agency_id: str = Field(pattern=AGENCY_ID)
    name: str = Field(min_length=1)
    province_code: str = Field(pattern=r"^\d{2}$")
    replaces: str | None = Field(
        default=None, pattern=r"^(\d{2}|\d{5})$", description="The commune or province whose derived centre this is."
    )
    source: str = Field(min_length=1, description="Where the agency id comes from.")

    @model_validator(mode="after")
    def _places_exist(self) -> Self:
        if self.province_code not in province_codes():
            raise ValueError(f"no province {self.province_code}")
        if self.agency_id[-2:] != self.province_code:
            raise ValueError(
                f"agency id {self.agency_id} names province {self.agency_id[-2:]}, not {self.province_code}"
            )
        if self.replaces is not None and len(self.replaces) == 5:
            commune = find_commune(self.replaces)
            if commune is None:
                raise ValueError(f"replaces: no commune {self.replaces}")
            if commune.province_code != self.province_code:
                raise ValueError(f"replaces: commune {self.replaces} is in province {commune.province_code}")
        elif self.replaces is not None and self.replaces != self.province_code:
            raise ValueError(f"replaces: province {self.replaces} is not this centre's province {self.province_code}")
        return self


class CentreFile(BaseModel):
    """The contents of ``centres.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    centres: tuple[ConfiguredCentre, ...] = ()

    @field_validator("centres")
    @classmethod
    def _replaced_once(cls, centres: tuple[ConfiguredCentre, ...]) -> tuple[ConfiguredCentre, ...]:
        places = [c.replaces for c in centres if c.replaces]
        twice = sorted({p for p in places if places.count(p) > 1})
        if twice:
            raise ValueError(f"the centre of {', '.join(twice)} is replaced more than once")
        return centres


def province_agency_id(province_code: str) -> str:
    """The derived agency id of a province's own centre: ``000.00.15.H40``."""
    return f"000.00.{CENTRE_LEVEL_2}.H{province_code}"


def commune_agency_id(commune_code: str, province_code: str) -> str:
    """The derived agency id of a commune's centre: its code as levels 4 and 3, ``171.79.15.H40``."""
    return f"{commune_code[:3]}.{commune_code[3:]}.{CENTRE_LEVEL_2}.H{province_code}"


def derived_centres() -> tuple[Centre, ...]:
    """The centre of every province and every commune, as the rule in this module's docstring derives them."""
    found: list[Centre] = []
    for province in sorted(province_codes()):
        name = _centre_unit(province).name_vi
        found.append(Centre(agency_id=province_agency_id(province), name=name, province_code=province))
        for commune in commune_codes(province):
            found.append(
                Centre(
                    agency_id=commune_agency_id(commune, province),
                    name=_centre_unit(commune).name_vi,
                    province_code=province,
                    commune_code=commune,
                )
            )
    return tuple(found)


def _centre_unit(place_code: str) -> Unit:
    unit = find_unit(f"{place_code}.{CENTRE_KIND}")
    if unit is None:
        raise ReferenceDataError(f"no unit {place_code}.{CENTRE_KIND}: unit_kinds.yaml must list the centre kind")
    return unit


def merge(derived: tuple[Centre, ...], configured: tuple[ConfiguredCentre, ...]) -> tuple[Centre, ...]:
    """The derived centres with the configured ones replacing theirs, and the added ones after them.

    Raises ``ValueError`` when two centres would share an agency id.
    """
    replacing = {c.replaces: c for c in configured if c.replaces}
    merged: list[Centre] = []
    for centre in derived:
        entry = replacing.get(centre.commune_code or centre.province_code)
        if entry is None:
            merged.append(centre)
        else:
            merged.append(centre.model_copy(update={"agency_id": entry.agency_id, "name": entry.name}))
    merged += [_added(c) for c in configured if c.replaces is None]
    seen: dict[str, Centre] = {}
    for centre in merged:
        other = seen.setdefault(centre.agency_id, centre)
        if other is not centre:
            raise ValueError(f"agency id {centre.agency_id} is given to both {_place(other)} and {_place(centre)}")
    return tuple(merged)


def _added(entry: ConfiguredCentre) -> Centre:
    return Centre(agency_id=entry.agency_id, name=entry.name, province_code=entry.province_code)


def _place(centre: Centre) -> str:
    return (
        f"commune {centre.commune_code}" if centre.commune_code else f"{centre.name} (province {centre.province_code})"
    )


@cache
def centres(path: Path = CENTRES_FILE) -> CentreRegistry:
    """Every receiving centre: derived from the units registry, with ``path``'s replacements and additions.

    A mistake raises ``ReferenceDataError`` naming the file and the entry.
    """
    configured = _load(path, CentreFile)
    try:
        return CentreRegistry(centres=merge(derived_centres(), configured.centres))
    except ValueError as error:
        raise ReferenceDataError(f"{path}: {error}") from error
