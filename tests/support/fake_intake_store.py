"""Intake's ports in memory, for the fast tier: the store, the database answering once, the population database."""

import contextlib
import copy
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from services.intake.domain.identity import CheckResult, IdentityState, IdentityStatus, Person
from services.intake.domain.identity_decision import Decision
from services.intake.store import (
    Change,
    Dossier,
    FollowedChange,
    IdentityRecheck,
    IntakeStore,
    NewDossier,
    Request,
    RoutingStatus,
)
from shared.contracts import Applicant, DossierStatus, IdentityDecision
from shared.kernel.idempotency import IdempotencyKeyReusedError, StoredAnswer
from shared.kernel.journal import RecordingJournal
from shared.kernel.unit_of_work import RecordingOutbox, UnitOfWork
from tests.support.fake_documents_store import FakeDocumentsStore
from tests.support.fake_payments_store import FakePaymentsStore
from tests.support.fake_result_store import FakeResultStore


class FakeIntakeStore(FakeDocumentsStore, FakeResultStore, FakePaymentsStore):
    """:class:`~services.intake.store.IntakeStore` in dicts; rows are dicts keyed like the table's columns."""

    def __init__(self) -> None:
        FakeDocumentsStore.__init__(self)
        FakeResultStore.__init__(self)
        FakePaymentsStore.__init__(self)
        self.sequences: dict[tuple[str, date], int] = {}
        self.dossiers: dict[UUID, dict[str, Any]] = {}
        self.histories: dict[UUID, list[dict[str, Any]]] = {}

    def by_code(self, code: str) -> dict[str, Any]:
        """The stored row of the dossier with ``code`` (a test's look at the state)."""
        return next(row for row in self.dossiers.values() if row["code"] == code)

    def notes(self, code: str) -> list[str | None]:
        """The notes of the dossier's history, oldest first."""
        return [entry["note"] for entry in self.histories[self.by_code(code)["id"]]]

    async def next_sequence(self, agency_id: str, day: date) -> int:
        self.sequences[agency_id, day] = self.sequences.get((agency_id, day), 0) + 1
        return self.sequences[agency_id, day]

    async def add_dossier(self, dossier: NewDossier) -> None:
        assert all(row["code"] != dossier.code for row in self.dossiers.values()), "codes are unique"
        identity = dossier.identity
        self.dossiers[dossier.dossier_id] = {
            "id": dossier.dossier_id,
            "code": dossier.code,
            "procedure_code": dossier.procedure_code,
            "receiving_agency": dossier.receiving_agency,
            "commune_code": dossier.commune_code,
            "province_code": dossier.province_code,
            "applicant": dossier.applicant,
            "client_id": dossier.client_id,
            "status": dossier.status.value,
            "handling_unit": dossier.receiving_agency,
            "received_at": dossier.received_at,
            "due_at": dossier.due_at,
            "updated_at": dossier.received_at,
            "components": list(dossier.components),
            "missing": list(dossier.missing),
            "result_delivery": dossier.result_delivery.value,
            "postal_address": dossier.postal_address,
            "portal_dossier_id": dossier.portal_dossier_id,
            "identity_status": identity.status.value,
            "identity_detail": identity.detail,
            "identity_attempts": identity.attempts,
            "identity_checked_at": identity.checked_at,
            "identity_next_check_at": identity.next_check_at,
            "identity_claim": None,
            "identity_version": 1,
            "identity_decision": None,
            "identity_decided_at": None,
            "identity_evidence": None,
            "status_sequence": 0,
            "lookup_secret_hash": dossier.lookup_secret_hash,
        }
        self.histories[dossier.dossier_id] = []

    async def add_history(
        self, dossier_id: UUID, status: DossierStatus, unit: str | None, note: str | None, at: datetime
    ) -> None:
        self.histories[dossier_id].append({"status": status.value, "unit": unit, "note": note, "at": at})

    async def history(self, dossier_id: UUID) -> list[Mapping[str, Any]]:
        return [dict(entry) for entry in self.histories.get(dossier_id, [])]

    async def dossier(self, dossier_id: UUID) -> Dossier | None:
        row = self.dossiers.get(dossier_id)
        return None if row is None else dict(row)

    async def dossier_by_code(self, code: str) -> Dossier | None:
        return next((dict(row) for row in self.dossiers.values() if row["code"] == code), None)

    async def applicant(self, dossier_id: UUID) -> Applicant | None:
        row = self.dossiers.get(dossier_id)
        return None if row is None else row["applicant"]

    async def applicant_citizen_id(self, code: str) -> str | None:
        row = await self.dossier_by_code(code)
        return None if row is None else row["applicant"].citizen_id

    async def lookup_secret_hash(self, code: str) -> str | None:
        row = await self.dossier_by_code(code)
        return None if row is None else row["lookup_secret_hash"]

    async def lock_dossier(self, code: str) -> Dossier | None:
        return await self.dossier_by_code(code)

    async def portal_dossier(self, portal_dossier_id: str) -> Dossier | None:
        rows = self.dossiers.values()
        return next((dict(row) for row in rows if row["portal_dossier_id"] == portal_dossier_id), None)

    async def lock_portal_dossier_id(self, portal_dossier_id: str) -> None:
        return None

    async def routing_status(self, dossier_id: UUID) -> RoutingStatus | None:
        row = self.dossiers.get(dossier_id)
        if row is None:
            return None
        return RoutingStatus(DossierStatus(row["status"]), row["handling_unit"], row["status_sequence"])

    async def follow_status(self, dossier_id: UUID, change: FollowedChange) -> None:
        row = self.dossiers[dossier_id]
        row["status"] = change.status.value
        if change.due_at is not None:
            row["due_at"] = change.due_at
        if change.handling_unit is not None:
            row["handling_unit"] = change.handling_unit
        if change.sequence is not None:
            row["status_sequence"] = change.sequence
        if change.missing is not None:
            row["missing"] = list(change.missing)
        if change.moved_at is not None:
            row["updated_at"] = change.moved_at

    async def claim_identity_rechecks(
        self, now: datetime, lease: timedelta, claim: UUID, batch: int
    ) -> list[IdentityRecheck]:
        due = sorted(
            (
                row
                for row in self.dossiers.values()
                if row["identity_status"] == IdentityStatus.PENDING.value
                and row["identity_next_check_at"] is not None
                and row["identity_next_check_at"] <= now
            ),
            key=lambda row: row["identity_next_check_at"],
        )[:batch]
        for row in due:
            row.update(identity_next_check_at=now + lease, identity_claim=claim)
        return [IdentityRecheck(row["id"], row["code"], row["applicant"], row["identity_attempts"]) for row in due]

    async def record_identity_outcome(self, dossier_id: UUID, claim: UUID, state: IdentityState) -> Dossier | None:
        row = self.dossiers.get(dossier_id)
        if row is None or row["identity_claim"] != claim or row["identity_status"] != IdentityStatus.PENDING.value:
            return None
        changed = row["identity_status"] != state.status.value
        row.update(
            identity_status=state.status.value,
            identity_detail=state.detail,
            identity_attempts=state.attempts,
            identity_checked_at=state.checked_at,
            identity_next_check_at=state.next_check_at,
            identity_claim=None,
            identity_version=row["identity_version"] + changed,
        )
        return {key: row[key] for key in ("status", "handling_unit", "identity_version", "identity_decision")}

    async def record_identity_decision(self, dossier_id: UUID, decision: Decision, by: str, at: datetime) -> int:
        row = self.dossiers[dossier_id]
        row.update(
            identity_decision=decision.decision.value,
            identity_decided_at=at,
            identity_evidence=decision.evidence,
            identity_version=row["identity_version"] + 1,
        )
        if decision.decision is IdentityDecision.REFUSED:
            row["identity_next_check_at"] = None
        return int(row["identity_version"])


class FakeIntakeDatabase:
    """:class:`~services.intake.store.IntakeDatabase` over one fake store: units of work at ``now``, rolled back on
    an error (the store's state and the events), answers kept per client and Idempotency-Key."""

    def __init__(self, store: FakeIntakeStore, now: datetime) -> None:
        self.store = store
        self.now = now
        self.outbox = RecordingOutbox()
        """Every event a committed unit of work published, in order."""
        self.answers: dict[tuple[str, str], tuple[str, StoredAnswer]] = {}
        self.in_transaction = False
        self.transactions = 0
        """How many units of work were opened."""
        self.journal = RecordingJournal(lambda: self.now)
        """Every journal entry a committed unit of work appended, in order."""

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[IntakeStore]:
        yield self.store

    async def replayed(self, request: Request) -> StoredAnswer | None:
        if not request.key or (request.client_id, request.key) not in self.answers:
            return None
        fingerprint, answer = self.answers[request.client_id, request.key]
        if fingerprint != request.fingerprint:
            raise IdempotencyKeyReusedError(f"Idempotency-Key {request.key!r} was already used for a different request")
        return answer

    async def answer_once(self, request: Request, change: Change) -> StoredAnswer:
        previous = await self.replayed(request)
        if previous is not None:
            return previous
        async with self.unit_of_work() as uow:
            answer = await change(uow)
        if request.key:
            self.answers[request.client_id, request.key] = (request.fingerprint, answer)
        return answer

    async def journal_head(self, code: str) -> str | None:
        head = self.journal.head(code)
        return None if head is None else head.hash

    @contextlib.asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork[IntakeStore]]:
        """A unit of work on the store, committed when the block ends without an error."""
        before = copy.deepcopy((self.store.sequences, self.store.dossiers, self.store.histories))
        kept = copy.deepcopy((self.store.results, self.store.shipments))
        payments = dict(self.store.payments)  # rows are frozen: a shallow copy keeps them
        documents = copy.deepcopy(self.store.documents_state())
        outbox = RecordingOutbox()
        appended = len(self.journal.entries)
        self.transactions += 1
        self.in_transaction = True
        try:
            yield UnitOfWork(self.store, outbox, self.now, journal=self.journal)
        except BaseException:
            self.store.sequences, self.store.dossiers, self.store.histories = before
            self.store.results, self.store.shipments = kept
            self.store.payments = payments
            self.store.restore_documents(documents)
            del self.journal.entries[appended:]
            raise
        finally:
            self.in_transaction = False
        self.outbox.events.extend(outbox.events)


@dataclass
class FakePopulationRegistry:
    """:class:`~services.intake.domain.identity.PopulationRegistry` giving ``answer``; notes who was asked, and
    whether a transaction of ``database`` was open then."""

    answer: CheckResult
    database: FakeIntakeDatabase | None = None
    asked: list[Person] = field(default_factory=list)
    asked_in_transaction: list[bool] = field(default_factory=list)

    async def verify(self, person: Person) -> CheckResult:
        self.asked.append(person)
        self.asked_in_transaction.append(self.database is not None and self.database.in_transaction)
        return self.answer
