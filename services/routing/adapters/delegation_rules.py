"""Loads the provinces' delegation rules from the YAML file shipped with routing."""

from functools import cache
from pathlib import Path

from services.routing.domain.delegation import DelegationRules
from shared.reference.catalogue import Catalogue
from shared.reference.data import ReferenceDataError, _load, catalogue

DELEGATIONS_FILE = Path(__file__).parent.parent / "reference" / "delegations.yaml"


@cache
def delegation_rules(path: Path = DELEGATIONS_FILE) -> DelegationRules:
    """The rules in force, checked against the catalogue.

    A mistake raises ``ReferenceDataError`` naming the file, the rule and the field.
    """
    rules = _load(path, DelegationRules)
    problems = unknown_targets(rules, catalogue())
    if problems:
        raise ReferenceDataError(f"{path}: " + "; ".join(problems))
    return rules


def unknown_targets(rules: DelegationRules, procedures: Catalogue) -> list[str]:
    """Rules naming a procedure or a task the catalogue does not have."""
    problems = []
    for rule in rules.rules:
        procedure = procedures.find(rule.procedure)
        if procedure is None:
            problems.append(f"rules[{rule.id}].procedure: {rule.procedure} is not in catalogue {procedures.version}")
        elif rule.task not in {task.key for task in procedure.tasks()}:
            keys = ", ".join(task.key for task in procedure.tasks())
            problems.append(f"rules[{rule.id}].task: {procedure.code} has no task {rule.task!r} (it has: {keys})")
    return problems
