"""How intake asks the population database about an applicant, at receipt and on each recheck."""

from collections.abc import Callable
from datetime import UTC, datetime

from services.intake.domain.identity import (
    UNCHECKED,
    IdentityState,
    Person,
    PopulationRegistry,
    after_check,
)
from shared.contracts import Applicant
from shared.kernel.retry import RetryPolicy


class IdentityChecker:
    """Checks applicants with ``registry`` (None: nothing is checked) and schedules the next try."""

    def __init__(
        self,
        registry: PopulationRegistry | None,
        *,
        base_seconds: float,
        cap_seconds: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.registry = registry
        self._base = base_seconds
        self._cap = cap_seconds
        self._clock = clock

    @property
    def enabled(self) -> bool:
        return self.registry is not None

    async def check(self, person: Person, attempts_before: int = 0) -> IdentityState:
        """One more check of ``person``; never raises for an outage of the database."""
        if self.registry is None:
            return UNCHECKED
        result = await self.registry.verify(person)
        return after_check(result, attempts_before=attempts_before, now=self._clock(), retry_in=self.retry_in)

    async def check_applicant(self, applicant: Applicant) -> IdentityState:
        """The first check of a dossier's applicant (whose date of birth intake requires)."""
        if self.registry is None or applicant.date_of_birth is None:
            return UNCHECKED
        return await self.check(person_of(applicant))

    def retry_in(self, failures: int) -> float:
        return RetryPolicy(self._base, self._cap).delay(failures)


def person_of(applicant: Applicant) -> Person:
    assert applicant.date_of_birth is not None
    return Person(applicant.citizen_id, applicant.full_name, applicant.date_of_birth)
