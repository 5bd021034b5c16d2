"""Jurisdiction: which concrete unit handles each task of a dossier, and why.

The dossier concerns one commune (the applicant's residence, or where the land or
building is). A commune-level task goes to that commune's section, a province-level
task to the department of the commune's province, whichever centre received the
dossier. A delegation rule of the province may move the task to another kind of unit.
When a province lacks the unit (an optional department), the task goes to the office
of the provincial People's Committee, which coordinates and decides competence.
"""

from collections.abc import Callable
from datetime import date, datetime
from uuid import UUID, uuid4

from services.routing.domain.delegation import DelegationRules
from services.routing.domain.plan import DossierPlan, PlanTask, Routing
from services.routing.domain.plan_state import clock_terms
from shared.reference.catalogue import PlannedTask, Procedure, UnitRef
from shared.reference.units import NoSuchUnitError, unit_for

COORDINATOR = UnitRef(level="province", kind="VPUBND")


def route_task(
    procedure: Procedure, task: PlannedTask, *, commune_code: str, province_code: str, rules: DelegationRules, on: date
) -> tuple[Routing, list[Routing]]:
    """The routing of one task and the units to try, in order, if it is returned."""
    rule = rules.rule_for(province=province_code, procedure=procedure.code, task=task.key, on=on)
    candidates: list[tuple[UnitRef, str | None, str]] = []
    if rule is not None:
        why = f"delegation rule {rule.id} ({rule.decision}) moves {task.unit} to {rule.to}"
        candidates.append((rule.to, rule.id, why))
    candidates.append((task.unit, None, f"catalogue: {task.unit}"))
    candidates.append((COORDINATOR, None, "the office of the provincial People's Committee coordinates"))
    unreachable: list[str] = []
    routes: list[Routing] = []
    for ref, rule_id, why in candidates:
        try:
            code = unit_for(ref.level, ref.kind, commune_code=commune_code).code
        except NoSuchUnitError as error:
            unreachable.append(f"{why}, but {error}")
            continue
        if all(r.unit_code != code for r in routes):
            explanation = why if routes else "; ".join([*unreachable, why])
            routes.append(Routing(code, str(ref), rule_id, explanation))
    if not routes:
        raise NoSuchUnitError(f"no unit can take task {task.key} of {procedure.code}: " + "; ".join(unreachable))
    return routes[0], routes[1:]


def build_plan(
    procedure: Procedure,
    *,
    components: tuple[str, ...],
    dossier_id: UUID,
    dossier_code: str,
    commune_code: str,
    province_code: str,
    receiving_agency: str,
    received_at: datetime,
    due_at: datetime,
    catalogue_version: str,
    rules: DelegationRules,
    local_day: date,
    new_id: Callable[[], UUID] = uuid4,
) -> DossierPlan:
    """The plan of a dossier: the procedure's stages, kept to the chosen components, each task routed."""
    chosen = set(procedure.chosen_components(components))
    kept = ([t for t in stage.tasks if t.component is None or t.component in chosen] for stage in procedure.plan)
    stages = [tasks for tasks in kept if tasks]
    tasks: list[PlanTask] = []
    for index, stage_tasks in enumerate(stages):
        for planned in stage_tasks:
            routing, alternatives = route_task(
                procedure,
                planned,
                commune_code=commune_code,
                province_code=province_code,
                rules=rules,
                on=local_day,
            )
            tasks.append(
                PlanTask(
                    id=new_id(),
                    key=planned.key,
                    name_vi=planned.name_vi,
                    name_en=planned.name_en,
                    stage=index,
                    working_days=planned.working_days,
                    routing=routing,
                    alternatives=alternatives,
                )
            )
    return DossierPlan(
        dossier_id=dossier_id,
        dossier_code=dossier_code,
        procedure_code=procedure.code,
        catalogue_version=catalogue_version,
        rules_version=rules.version,
        receiving_agency=receiving_agency,
        received_at=received_at,
        due_at=due_at,
        **clock_terms(procedure),
        stage_count=len(stages),
        tasks=tasks,
    )
