"""Intake's ports: its tables as the use cases see them, and where a request is answered once."""

from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from services.intake.documents.store import DocumentsStore
from services.intake.domain.identity import IdentityState
from services.intake.domain.identity_decision import Decision
from services.intake.payments.store import PaymentsStore
from services.intake.returns.store import ResultStore
from shared.contracts import Applicant, DossierStatus, ResultDelivery
from shared.kernel.idempotency import StoredAnswer
from shared.kernel.unit_of_work import UnitOfWork

Dossier = Mapping[str, Any]
"""A stored dossier, read by column: id, code, status, handling_unit, due_at, identity_status, identity_version,
identity_decision..."""


@dataclass(frozen=True)
class NewDossier:
    """A dossier as intake stores it when it is filed: ``receiving`` at the receiving centre when complete, else
    ``new`` with no due date and what it lacks in ``missing``."""

    dossier_id: UUID
    code: str
    procedure_code: str
    receiving_agency: str
    commune_code: str
    province_code: str
    applicant: Applicant
    client_id: str
    received_at: datetime
    due_at: datetime | None
    components: tuple[str, ...]
    identity: IdentityState
    portal_dossier_id: str | None
    lookup_secret_hash: str | None = None
    """The hash of the receipt's lookup secret (see ``domain/lookup_secret.py``); None: no secret opens it."""
    status: DossierStatus = DossierStatus.RECEIVING
    missing: tuple[str, ...] = ()
    result_delivery: ResultDelivery = ResultDelivery.COUNTER
    postal_address: str | None = None


@dataclass(frozen=True)
class RoutingStatus:
    """Where routing has the dossier, as intake last heard it."""

    status: DossierStatus
    handling_unit: str | None
    sequence: int
    """The number of routing's last status change intake applied (0: none numbered yet)."""


@dataclass(frozen=True)
class FollowedChange:
    """A status change of routing's that intake applies to its copy."""

    status: DossierStatus
    handling_unit: str | None
    """None: where the dossier already is."""
    sequence: int | None
    """None: an event of unknown sequence, which keeps the number held."""
    due_at: datetime | None
    """None keeps the due time held (a dossier still ``new`` has none)."""
    missing: tuple[str, ...] | None
    """What the applicant must hand in; None keeps what was asked before."""
    moved_at: datetime | None
    """When the status or the unit changed; None when neither did."""


@dataclass(frozen=True)
class IdentityRecheck:
    """A dossier whose applicant's identity is checked again, claimed by one pass of one instance."""

    dossier_id: UUID
    code: str
    applicant: Applicant
    attempts: int


class IntakeStore(DocumentsStore, ResultStore, PaymentsStore, Protocol):
    """Port: intake's dossiers, their numbers and their history, on one connection."""

    async def next_sequence(self, agency_id: str, day: date) -> int:
        """The next dossier number of ``agency_id`` on ``day`` (from 1), unique under concurrent receipts.

        Called on a connection in no transaction (see ``handlers.number_receipt``): committed at once.
        """
        ...

    async def add_dossier(self, dossier: NewDossier) -> None:
        """Store a received dossier with its first identity check."""
        ...

    async def add_history(
        self, dossier_id: UUID, status: DossierStatus, unit: str | None, note: str | None, at: datetime
    ) -> None:
        """Add an entry to the dossier's history."""
        ...

    async def history(self, dossier_id: UUID) -> list[Mapping[str, Any]]:
        """The dossier's history (status, unit, note, at), oldest first."""
        ...

    async def dossier(self, dossier_id: UUID) -> Dossier | None:
        """The dossier with this id, if any."""
        ...

    async def dossier_by_code(self, code: str) -> Dossier | None:
        """The dossier with this code, if any."""
        ...

    async def applicant(self, dossier_id: UUID) -> Applicant | None:
        """The applicant of the dossier with this id (for the events that carry them); None if no dossier."""
        ...

    async def applicant_citizen_id(self, code: str) -> str | None:
        """The applicant's citizen ID of the dossier with this code (who may act on it); None if no dossier."""
        ...

    async def lookup_secret_hash(self, code: str) -> str | None:
        """The stored hash of the lookup secret of the dossier with this code; None if no dossier or no secret."""
        ...

    async def lock_dossier(self, code: str) -> Dossier | None:
        """The dossier with this code, locked until the transaction ends so status changes wait for the command."""
        ...

    async def portal_dossier(self, portal_dossier_id: str) -> Dossier | None:
        """The dossier the national portal pushed in under ``portal_dossier_id``, if any."""
        ...

    async def lock_portal_dossier_id(self, portal_dossier_id: str) -> None:
        """Serialise, until the transaction ends, every receipt of the same portal dossier id."""
        ...

    async def routing_status(self, dossier_id: UUID) -> RoutingStatus | None:
        """Intake's copy of routing's status of the dossier, locked until the transaction ends; None if unknown."""
        ...

    async def follow_status(self, dossier_id: UUID, change: FollowedChange) -> None:
        """Make ``change`` intake's copy of routing's status of the dossier."""
        ...

    async def claim_identity_rechecks(
        self, now: datetime, lease: timedelta, claim: UUID, batch: int
    ) -> list[IdentityRecheck]:
        """Claim up to ``batch`` pending identities due by ``now``; until ``lease`` ends, no one else sees them due."""
        ...

    async def record_identity_outcome(self, dossier_id: UUID, claim: UUID, state: IdentityState) -> Dossier | None:
        """Store ``state`` if ``claim`` still holds, numbering it one more when its status changed; the dossier's
        status, handling unit, identity_version and identity_decision, or None if the claim was lost."""
        ...

    async def record_identity_decision(self, dossier_id: UUID, decision: Decision, by: str, at: datetime) -> int:
        """Store a receiver's decision (a refusal ends the rechecks); the identity's new number."""
        ...


Change = Callable[[UnitOfWork[IntakeStore]], Awaitable[StoredAnswer]]
"""A command carried out in a unit of work, giving the answer to store with its Idempotency-Key."""


@dataclass(frozen=True)
class Request:
    """Who asks, under which ``Idempotency-Key`` (None: none), and a fingerprint of what they ask."""

    client_id: str
    key: str | None
    fingerprint: str


class IntakeDatabase(Protocol):
    """Port: where intake's requests read before they act, and act in a transaction answered once."""

    def reading(self) -> AbstractAsyncContextManager[IntakeStore]:
        """A store outside any transaction, for what a request reads before it acts."""
        ...

    async def replayed(self, request: Request) -> StoredAnswer | None:
        """The answer first given to the request's key, or None; raises ``IdempotencyKeyReusedError``."""
        ...

    async def answer_once(self, request: Request, change: Change) -> StoredAnswer:
        """Run ``change`` in a transaction storing its answer with the key, or replay the answer stored before."""
        ...

    async def journal_head(self, code: str) -> str | None:
        """The hash of the last entry of the dossier's journal chain (what the citizen lookup shows), or None."""
        ...
