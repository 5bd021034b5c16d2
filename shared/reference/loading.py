"""Reading a reference file into a validated model, with errors that name the file and the field."""

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
REFERENCE_DIR = Path(__file__).parent


class ReferenceDataError(ValueError):
    """A reference file is missing or does not validate; the message names file and field."""


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


def _child(node: object, step: int | str) -> object:
    if isinstance(node, dict):
        return node.get(step)
    if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
        return node[step]
    return None
