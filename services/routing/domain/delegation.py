"""Provincial delegation rules: a province moves a task of a procedure to another unit.

Delegation differs between provinces and changes over time, so it is data
(``services/routing/reference/delegations.yaml``), checked when loaded. A rule applies
to dossiers received on or after ``effective_from`` (and before ``effective_until``).
"""

from datetime import date
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.reference.catalogue import UnitField


class DelegationRule(BaseModel):
    """Move one task of one procedure, in one province, to another kind of unit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Stable id, quoted in every routing decision.")
    province: str = Field(pattern=r"^\d{2}$")
    procedure: str = Field(pattern=r"^\d\.\d{6}$")
    task: str = Field(description="The task key in the procedure's plan.")
    to: UnitField
    decision: str = Field(min_length=1, description="The provincial decision that delegates it.")
    effective_from: date
    effective_until: date | None = None
    illustrative: bool = Field(
        default=False,
        description="An example for demos and tests, not a province's decision: in force only where a setting allows.",
    )

    @model_validator(mode="after")
    def _ordered_dates(self) -> Self:
        if self.effective_until is not None and self.effective_until <= self.effective_from:
            raise ValueError(
                f"effective_until {self.effective_until} is not after effective_from {self.effective_from}"
            )
        return self

    def applies(self, province: str, procedure: str, task: str, on: date) -> bool:
        return (
            (self.province, self.procedure, self.task) == (province, procedure, task)
            and self.effective_from <= on
            and (self.effective_until is None or on < self.effective_until)
        )


class DelegationRules(BaseModel):
    """All provinces' rules under one version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    rules: tuple[DelegationRule, ...] = ()

    @model_validator(mode="after")
    def _no_overlap(self) -> Self:
        ids = [rule.id for rule in self.rules]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"rule ids must be unique, repeated: {', '.join(repeated)}")
        for index, rule in enumerate(self.rules):
            for other in self.rules[index + 1 :]:
                if (rule.province, rule.procedure, rule.task) == (other.province, other.procedure, other.task) and (
                    _overlap(rule, other)
                ):
                    raise ValueError(f"rules {rule.id} and {other.id} cover the same task on overlapping dates")
        return self

    def decided(self) -> "DelegationRules":
        """These rules without the illustrative ones, which no province decided."""
        return self.model_copy(update={"rules": tuple(rule for rule in self.rules if not rule.illustrative)})

    def rule_for(self, *, province: str, procedure: str, task: str, on: date) -> DelegationRule | None:
        """The rule in force for this task on ``on``, if any."""
        return next((rule for rule in self.rules if rule.applies(province, procedure, task, on)), None)


def _overlap(a: DelegationRule, b: DelegationRule) -> bool:
    a_end = a.effective_until or date.max
    b_end = b.effective_until or date.max
    return a.effective_from < b_end and b.effective_from < a_end
