"""The port routing's use cases store plans through: one dossier's plan, its applicant and its audit trail."""

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from services.routing.domain.closures import Closure, CountedOn
from services.routing.domain.plan import AuditEntry, DossierPlan
from shared.contracts import Applicant, DossierSubmitted
from shared.reference.calendar import WorkingCalendar


class RoutingStore(Protocol):
    """Where routing keeps each dossier's plan; the unit of work holds it for one transaction."""

    async def add(self, submitted: DossierSubmitted, plan: DossierPlan) -> None:
        """Keep the plan of a newly submitted dossier, with the applicant and the place the submission names."""
        ...

    async def get_for_update(self, dossier_id: UUID) -> tuple[DossierPlan, Applicant] | None:
        """The dossier's plan and applicant, held until the unit of work ends; None if routing never planned it."""
        ...

    async def save(self, plan: DossierPlan, audit: Sequence[AuditEntry]) -> None:
        """Write the plan as it now stands and append these entries to the dossier's audit trail."""
        ...

    async def calendar_counted_on(self, dossier_id: UUID) -> CountedOn | None:
        """The calendar the dossier's due dates are counted on, its row held till the unit of work ends."""
        ...

    async def count_on(self, dossier_id: UUID, counted: CountedOn) -> None:
        """Note the calendar a newly planned dossier's due dates are counted on."""
        ...

    async def closures_in(self, province_code: str) -> list[Closure]:
        """Every closure declared in the province (ended ones with their last day brought forward)."""
        ...

    async def calendar_version(self, fingerprint: str) -> WorkingCalendar | None:
        """A country calendar routing ran on before, by its fingerprint; None if unknown."""
        ...
