"""The escalation ladder of overdue tasks, per province, loaded from versioned data (``escalation.yaml``).

A ladder is a list of steps; step ``n`` comes ``after_working_hours`` of working time after the
task became overdue and tells one audience. A province listed under ``provinces`` has its own
ladder (with its source); every other province follows ``default``.
"""

import os
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.reference.admin_units import province_codes
from shared.reference.data import REFERENCE_DIR, _load

LADDER_PATH = REFERENCE_DIR / "escalation.yaml"
LADDER_FILE_VARIABLE = "LIENTHONG_ESCALATION_LADDER_FILE"
"""Environment variable naming another ladder file (a deployment's own, or a test's)."""


class Audience(StrEnum):
    """Who an escalation step tells."""

    UNIT_SUPERVISORS = "unit-supervisors"
    UNIT_HEAD = "unit-head"
    PROVINCE_ONE_STOP = "province-one-stop"


class Step(BaseModel):
    """One step of a ladder."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    step: int = Field(ge=1)
    after_working_hours: float = Field(ge=0, le=10_000)
    audience: Audience


def _steps_in_order(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    if not steps:
        raise ValueError("a ladder needs at least one step")
    if [s.step for s in steps] != list(range(1, len(steps) + 1)):
        raise ValueError("steps must be numbered 1, 2, 3… in order")
    hours = [s.after_working_hours for s in steps]
    if hours != sorted(hours):
        raise ValueError("a later step cannot come sooner than an earlier one")
    return steps


class ProvinceLadder(BaseModel):
    """A province's own ladder and the regulation it comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(min_length=1)
    steps: tuple[Step, ...]

    _ordered = field_validator("steps")(_steps_in_order)


class EscalationLadders(BaseModel):
    """Every province's ladder: the default and the provinces' own."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    sources: tuple[str, ...] = Field(min_length=1)
    default: tuple[Step, ...]
    provinces: dict[str, ProvinceLadder] = Field(default_factory=dict)

    _ordered = field_validator("default")(_steps_in_order)

    @model_validator(mode="after")
    def _provinces_exist(self) -> Self:
        unknown = sorted(set(self.provinces) - province_codes())
        if unknown:
            raise ValueError(f"no province has code {', '.join(unknown)}")
        return self

    def ladder_for(self, province: str) -> tuple[Step, ...]:
        """The steps of ``province`` (its own, else the default)."""
        own = self.provinces.get(province)
        return own.steps if own is not None else self.default


def load_ladders(path: Path) -> EscalationLadders:
    """The ladders of ``path``; ``ReferenceDataError`` naming the file and field when it does not validate."""
    return _load(path, EscalationLadders)


@cache
def escalation_ladders() -> EscalationLadders:
    """The deployment's ladders: ``LIENTHONG_ESCALATION_LADDER_FILE`` if set, else the shipped file."""
    return load_ladders(Path(os.environ.get(LADDER_FILE_VARIABLE) or LADDER_PATH))
