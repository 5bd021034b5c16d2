"""The port routing's use cases store plans through: one dossier's plan, its applicant and its audit trail."""

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from services.routing.domain.closures import Closure, CountedOn
from services.routing.domain.plan import AuditEntry, DossierPlan
from shared.contracts import Applicant, DossierFiled, DossierSubmitted
from shared.reference.calendar import WorkingCalendar


class RoutingStore(Protocol):
    """Where routing keeps each dossier's plan; the unit of work holds it for one transaction."""

    async def add(self, dossier: DossierSubmitted | DossierFiled, plan: DossierPlan) -> None:
        """Keep the plan of a newly submitted or filed dossier, with the applicant and the place the event names.

        A submitted dossier's plan replaces the record of its filing (status new); any other dossier
        already kept is an error.
        """
        ...

    async def get_for_update(self, dossier_id: UUID) -> tuple[DossierPlan, Applicant] | None:
        """The dossier's plan (with its documents) and applicant, held until the unit of work ends; None if routing
        never recorded it."""
        ...

    async def save(self, plan: DossierPlan, audit: Sequence[AuditEntry]) -> None:
        """Write the plan as it now stands (keeping its new documents) and append these entries to its audit trail."""
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
