"""Loads the provinces' delegation rules from the YAML file shipped with routing.

The shipped rules marked ``illustrative`` (both of today's: An Giang's land registration moved to
the commune, Hà Nội's small construction permits kept at the Department of Construction) are
examples, not decisions: they are in force only when ``LIENTHONG_ILLUSTRATIVE_DELEGATIONS`` is
true (the demo and the end-to-end tests set it); otherwise they are checked and left out.
"""

from functools import cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from services.routing.domain.delegation import DelegationRules
from shared.reference.admin_units import province_codes
from shared.reference.catalogue import Catalogue
from shared.reference.data import ReferenceDataError, _load, catalogue
from shared.reference.units import find_kind

DELEGATIONS_FILE = Path(__file__).parent.parent / "reference" / "delegations.yaml"


class DelegationSettings(BaseSettings):
    """Whether the rules marked illustrative are in force."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_", extra="ignore")

    illustrative_delegations: bool = False


@cache
def delegation_rules(path: Path = DELEGATIONS_FILE, *, illustrative: bool | None = None) -> DelegationRules:
    """The rules in force, checked against the catalogue and the units registry.

    ``illustrative`` (by default ``LIENTHONG_ILLUSTRATIVE_DELEGATIONS``) keeps the illustrative rules,
    and the version then says so. A mistake raises ``ReferenceDataError`` naming the file, the rule and
    the field.
    """
    rules = _load(path, DelegationRules)
    problems = unknown_targets(rules, catalogue())
    if problems:
        raise ReferenceDataError(f"{path}: " + "; ".join(problems))
    if illustrative is None:
        illustrative = DelegationSettings().illustrative_delegations
    if illustrative:
        return rules.model_copy(update={"version": f"{rules.version}+illustrative"})
    return rules.decided()


def unknown_targets(rules: DelegationRules, procedures: Catalogue) -> list[str]:
    """Rules naming a province, procedure, task or kind of unit that the reference data does not have."""
    problems = []
    for rule in rules.rules:
        if rule.province not in province_codes():
            problems.append(f"rules[{rule.id}].province: there is no province {rule.province}")
        if find_kind(rule.to.level, rule.to.kind) is None:
            problems.append(f"rules[{rule.id}].to: no kind {rule.to} in unit_kinds.yaml")
        procedure = procedures.find(rule.procedure)
        if procedure is None:
            problems.append(f"rules[{rule.id}].procedure: {rule.procedure} is not in catalogue {procedures.version}")
        elif rule.task not in {task.key for task in procedure.tasks()}:
            keys = ", ".join(task.key for task in procedure.tasks())
            problems.append(f"rules[{rule.id}].task: {procedure.code} has no task {rule.task!r} (it has: {keys})")
    return problems
