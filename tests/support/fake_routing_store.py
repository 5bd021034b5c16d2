"""Routing's store in memory, for the fast tier: each plan kept as a copy, as a database would."""

from collections.abc import Sequence
from copy import deepcopy
from dataclasses import dataclass, field
from uuid import UUID

from services.routing.domain.closures import Closure, CountedOn
from services.routing.domain.plan import AuditEntry, DossierPlan
from shared.contracts import Applicant, DossierFiled, DossierStatus, DossierSubmitted
from shared.reference.calendar import WorkingCalendar


@dataclass
class FakeRoutingStore:
    """:class:`~services.routing.store.RoutingStore` on dicts; a use case sees only what it saved."""

    plans: dict[UUID, DossierPlan] = field(default_factory=dict)
    applicants: dict[UUID, Applicant] = field(default_factory=dict)
    audit: dict[UUID, list[AuditEntry]] = field(default_factory=dict)
    counted: dict[UUID, CountedOn] = field(default_factory=dict)
    closures: list[Closure] = field(default_factory=list)
    calendars: dict[str, WorkingCalendar] = field(default_factory=dict)

    async def add(self, dossier: DossierSubmitted | DossierFiled, plan: DossierPlan) -> None:
        held = self.plans.get(plan.dossier_id)
        if held is not None and not (isinstance(dossier, DossierSubmitted) and held.status is DossierStatus.NEW):
            raise KeyError(f"dossier {plan.dossier_id} is already planned")
        self.plans[plan.dossier_id] = deepcopy(plan)
        self.applicants[plan.dossier_id] = dossier.applicant
        self.audit.setdefault(plan.dossier_id, [])

    async def get_for_update(self, dossier_id: UUID) -> tuple[DossierPlan, Applicant] | None:
        if dossier_id not in self.plans:
            return None
        return deepcopy(self.plans[dossier_id]), self.applicants[dossier_id]

    async def save(self, plan: DossierPlan, audit: Sequence[AuditEntry]) -> None:
        self.plans[plan.dossier_id] = deepcopy(plan)
        self.audit[plan.dossier_id].extend(audit)

    async def calendar_counted_on(self, dossier_id: UUID) -> CountedOn | None:
        if dossier_id not in self.plans:
            return None
        return self.counted.get(dossier_id, CountedOn(None))

    async def count_on(self, dossier_id: UUID, counted: CountedOn) -> None:
        self.counted[dossier_id] = counted

    async def closures_in(self, province_code: str) -> list[Closure]:
        return [c for c in self.closures if c.province_code == province_code]

    async def calendar_version(self, fingerprint: str) -> WorkingCalendar | None:
        return self.calendars.get(fingerprint)

    def actions(self, dossier_id: UUID) -> list[str]:
        """The actions of the dossier's audit trail, oldest first."""
        return [entry.action for entry in self.audit[dossier_id]]
