"""The documents the units issued, in memory (a base of the fake department store), for the fast tier."""

from uuid import UUID

from services.department.results.store import IssuedResult
from shared.contracts import ResultKind


class FakeResultsStore:
    """:class:`~services.department.results.store.ResultsStore` over a dict keyed by task and kind."""

    @property
    def results(self) -> dict[tuple[UUID, ResultKind], IssuedResult]:
        """The issued documents, by task and kind."""
        found: dict[tuple[UUID, ResultKind], IssuedResult] = self.__dict__.setdefault("_results", {})
        return found

    async def issued_result(self, task_id: UUID, kind: ResultKind) -> IssuedResult | None:
        return self.results.get((task_id, kind))

    async def record_result(self, issued: IssuedResult) -> bool:
        if (issued.task_id, issued.kind) in self.results:
            return False
        self.results[(issued.task_id, issued.kind)] = issued
        return True
