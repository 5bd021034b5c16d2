"""The procedure catalogue and the centre registry, loaded once and checked against the units registry."""

from functools import cache
from pathlib import Path

from shared.reference.catalogue import Catalogue
from shared.reference.centres import Centre, CentreRegistry, centres
from shared.reference.loading import REFERENCE_DIR, ReferenceDataError, _load
from shared.reference.units import find_kind, unit_kinds

__all__ = [
    "REFERENCE_DIR",
    "Centre",
    "CentreRegistry",
    "ReferenceDataError",
    "_load",
    "catalogue",
    "centres",
    "unknown_unit_kinds",
]


@cache
def catalogue(path: Path = REFERENCE_DIR / "procedures.yaml") -> Catalogue:
    """The procedures, validated; a task naming a kind of unit that ``unit_kinds.yaml`` lacks is an error."""
    loaded = _load(path, Catalogue)
    problems = unknown_unit_kinds(loaded)
    if problems:
        raise ReferenceDataError(f"{path}: " + "; ".join(problems))
    return loaded


def unknown_unit_kinds(procedures: Catalogue) -> list[str]:
    """Tasks whose unit (``<level>:<KIND>``) is no kind of the units registry, each named with its place."""
    problems = []
    for procedure in procedures.procedures:
        for index, stage in enumerate(procedure.plan):
            for task in stage.tasks:
                if find_kind(task.unit.level, task.unit.kind) is None:
                    known = ", ".join(k.code for k in unit_kinds() if k.level == task.unit.level)
                    problems.append(
                        f"procedures[{procedure.code}].plan[{index}].tasks[{task.key}].unit: "
                        f"no kind {task.unit} in unit_kinds.yaml (known at {task.unit.level} level: {known})"
                    )
    return problems
