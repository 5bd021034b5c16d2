"""Loads and validates the yearly override file (``overrides.yaml``).

Every mistake raises ``OverrideFileError`` whose message names the file, the entry
(index and date) and the field. ``off`` and ``on`` are read as the words they are:
the file is parsed with YAML 1.2 booleans (only ``true``/``false``), because YAML 1.1
would silently turn them into ``False``/``True``; and dates reach the validator as
text, so that an impossible date such as 2026-02-30 is reported against its entry.
"""

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from shared.reference.calendar.overrides import DayOverride

OVERRIDES_FILE = Path(__file__).with_name("overrides.yaml")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_BOOL_TAG = "tag:yaml.org,2002:bool"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class OverrideFileError(ValueError):
    """The override file is missing or invalid; the message names file, entry and field."""


class _PlainLoader(yaml.SafeLoader):
    """A SafeLoader where only true/false are booleans (not on/off/yes/no) and dates stay text."""


_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL_TAG, _TIMESTAMP_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_PlainLoader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # kind is declared first so that the date validator can check the weekday against it.
    kind: Literal["off", "on"]
    day: dt.date = Field(alias="date")
    reason: str = Field(min_length=1, pattern=r"\S")
    decision: str = Field(min_length=1, pattern=r"\S")

    @field_validator("day", mode="before")
    @classmethod
    def _not_a_number(cls, value: object) -> object:
        if isinstance(value, bool | int | float):
            raise ValueError("write the date as YYYY-MM-DD")  # an int would be read as a Unix timestamp
        return value

    @field_validator("day")
    @classmethod
    def _weekday_fits_kind(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        kind = info.data.get("kind")
        weekday = WEEKDAY_NAMES[value.weekday()]
        if kind == "off" and value.weekday() >= 5:
            raise ValueError(f"{value} is a {weekday}, already a day off; an 'off' entry must be Monday-Friday")
        return value


class _OverrideFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    overrides: tuple[_Entry, ...]


def _entry_label(raw: Any, index: int) -> str:
    label = f"overrides[{index}]"
    try:
        day = raw["overrides"][index]["date"]
    except (KeyError, IndexError, TypeError):
        return label
    return f"{label} (date {day})"


def _describe(raw: Any, loc: tuple[int | str, ...]) -> str:
    if not loc:
        return "(whole file)"
    if len(loc) >= 2 and loc[0] == "overrides" and isinstance(loc[1], int):
        where = _entry_label(raw, loc[1])
        rest = loc[2:]
        return f"{where}, field '{'.'.join(map(str, rest))}'" if rest else where
    return f"field '{'.'.join(map(str, loc))}'"


def load_overrides(path: Path = OVERRIDES_FILE) -> tuple[DayOverride, ...]:
    """Read and validate an override file; raise ``OverrideFileError`` naming file, entry and field."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_PlainLoader)  # noqa: S506 - a SafeLoader
    except OSError as error:
        raise OverrideFileError(f"{path}: cannot read: {error}") from error
    except yaml.YAMLError as error:
        raise OverrideFileError(f"{path}: not valid YAML: {error}") from error
    try:
        parsed = _OverrideFile.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(f"{_describe(raw, tuple(e['loc']))}: {e['msg']}" for e in error.errors())
        raise OverrideFileError(f"{path}: {problems}") from error
    first_index: dict[dt.date, int] = {}
    for index, entry in enumerate(parsed.overrides):
        if entry.day in first_index:
            raise OverrideFileError(
                f"{path}: {_entry_label(raw, index)}, field 'date': "
                f"the same date as overrides[{first_index[entry.day]}]; one entry per date"
            )
        first_index[entry.day] = index
    return tuple(DayOverride(day=e.day, kind=e.kind, reason=e.reason, decision=e.decision) for e in parsed.overrides)
