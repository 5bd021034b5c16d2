"""Loads the procedure catalogue and the centre registry, validating every entry."""

from functools import cache
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.reference.catalogue import Catalogue

M = TypeVar("M", bound=BaseModel)
REFERENCE_DIR = Path(__file__).parent


class ReferenceDataError(ValueError):
    """A reference file is missing or does not validate; the message names file and field."""


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
        problems = "; ".join(f"{_where(raw, e['loc'])}: {e['msg']}" for e in error.errors())
        raise ReferenceDataError(f"{path}: {problems}") from error


def _where(raw: object, loc: tuple[int | str, ...]) -> str:
    """A validation error's location, naming list items by their ``code``, ``key`` or ``id``.

    ``procedures.3.plan.0.tasks.1.unit`` becomes
    ``procedures[1.001193].plan[0].tasks[register-birth].unit``.
    """
    if not loc:
        return "(whole file)"
    parts: list[str] = []
    node = raw
    for step in loc:
        child = _child(node, step)
        if isinstance(step, int):
            name = (
                next((child[k] for k in ("code", "key", "id") if k in child), None) if isinstance(child, dict) else None
            )
            label = f"[{name}]" if isinstance(name, str) else f"[{step}]"
            if parts:
                parts[-1] += label
            else:
                parts.append(label)
        else:
            parts.append(str(step))
        node = child
    return ".".join(parts)


def _item_name(item: object) -> object:
    if not isinstance(item, dict):
        return None
    return next((item[k] for k in ("code", "key", "id") if k in item), None)


def _child(node: object, step: int | str) -> object:
    if isinstance(node, dict):
        return node.get(step)
    if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
        return node[step]
    return None


@cache
def catalogue(path: Path = REFERENCE_DIR / "procedures.yaml") -> Catalogue:
    return _load(path, Catalogue)


@cache
def centres(path: Path = REFERENCE_DIR / "centres.yaml") -> CentreRegistry:
    return _load(path, CentreRegistry)
