"""Loads the procedure catalogue and the centre registry, validating every entry."""

from datetime import time
from functools import cache
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

M = TypeVar("M", bound=BaseModel)
REFERENCE_DIR = Path(__file__).parent / "reference"


class ReferenceDataError(ValueError):
    """A reference file is missing or does not validate; the message names file and field."""


class Procedure(BaseModel):
    """One administrative procedure of the catalogue."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^\d\.\d{6}$")
    name_vi: str
    name_en: str
    level: Literal["commune", "province"]
    unit_kind: str = Field(pattern=r"^[A-Z]{2,6}$")
    working_days: int = Field(ge=0)
    cutoff: time | None = Field(
        default=None, description="Receipts after this local hour count from the next working day."
    )


class Catalogue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    procedures: tuple[Procedure, ...]

    def find(self, code: str) -> Procedure | None:
        return next((p for p in self.procedures if p.code == code), None)


class Centre(BaseModel):
    """A Public Administration Service Centre that receives dossiers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    agency_id: str = Field(pattern=r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
    name: str
    province_code: str = Field(pattern=r"^\d{2}$")


class CentreRegistry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    centres: tuple[Centre, ...]

    def find(self, agency_id: str) -> Centre | None:
        return next((c for c in self.centres if c.agency_id == agency_id), None)


def _load(path: Path, model: type[M]) -> M:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return model.model_validate(raw)
    except OSError as error:
        raise ReferenceDataError(f"{path}: cannot read: {error}") from error
    except yaml.YAMLError as error:
        raise ReferenceDataError(f"{path}: not valid YAML: {error}") from error
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(whole file)'}: {e['msg']}" for e in error.errors())
        raise ReferenceDataError(f"{path}: {problems}") from error


@cache
def catalogue(path: Path = REFERENCE_DIR / "procedures.yaml") -> Catalogue:
    return _load(path, Catalogue)


@cache
def centres(path: Path = REFERENCE_DIR / "centres.yaml") -> CentreRegistry:
    return _load(path, CentreRegistry)
