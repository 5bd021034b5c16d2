"""Routing's use cases on a fake store, each event in its own unit of work, and the events tests send it."""

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from services.routing import handlers
from services.routing.store import RoutingStore
from shared.contracts import (
    Applicant,
    DocumentRef,
    DocumentRole,
    DossierFiled,
    DossierStatus,
    DossierStatusChanged,
    DossierSubmitted,
    Event,
    MediaType,
    ResultRequested,
    ResultReturned,
    TaskAssigned,
    TaskCancelled,
    TaskCompleted,
    TaskOutcome,
    TaskResumed,
)
from shared.kernel.unit_of_work import RecordingOutbox, UnitOfWork
from shared.reference.calendar import default_calendar, due_at
from shared.reference.data import catalogue
from tests.support.dossiers import BIRTH_GROUP_IN_QUYNH_LUU
from tests.support.fake_routing_store import FakeRoutingStore

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
# Monday 23 November 2026, 09:00 in Vietnam; Tuesday 24 is Culture Day.
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=HCM)
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=HCM)
PROVINCES = {"17179": "40", "30742": "91"}

E = TypeVar("E", bound=Event)


@dataclass
class Routing:
    """Routing's use cases on one fake store, each event in its own unit of work."""

    store: FakeRoutingStore = field(default_factory=FakeRoutingStore)

    async def run(
        self, handler: Callable[[UnitOfWork[RoutingStore], E], Awaitable[None]], event: E, at: datetime = MONDAY
    ) -> list[Event]:
        """Handle ``event`` at ``at``; the events it published, in order."""
        outbox = RecordingOutbox()
        await handler(UnitOfWork(self.store, outbox, at, uuid4()), event)
        return outbox.events

    async def submit(self, sample: dict[str, Any]) -> tuple[DossierSubmitted, list[Event]]:
        submitted = submission(sample)
        return submitted, await self.run(handlers.plan_dossier, submitted)

    async def birth_registered(self) -> tuple[DossierSubmitted, list[Event]]:
        """A birth group whose birth registration was approved; the events that opened stage two."""
        submitted, planned = await self.submit(BIRTH_GROUP_IN_QUYNH_LUU)
        return submitted, await self.run(handlers.task_completed, approved(assigned(planned, "register-birth")))

    def status(self, submitted: DossierSubmitted) -> DossierStatus:
        return self.store.plans[submitted.dossier_id].status


def submission(sample: dict[str, Any]) -> DossierSubmitted:
    procedure = catalogue().find(sample["procedure_code"])
    assert procedure is not None
    return DossierSubmitted(
        dossier_id=uuid4(),
        dossier_code=f"{sample['receiving_agency']}-261123-0001",
        procedure_code=procedure.code,
        applicant=Applicant.model_validate(sample["applicant"]),
        receiving_agency=sample["receiving_agency"],
        commune_code=sample["commune_code"],
        province_code=PROVINCES[sample["commune_code"]],
        received_at=MONDAY,
        due_at=due_at(default_calendar(), MONDAY, procedure.working_days, cutoff=procedure.cutoff),
        client_id="counter",
        components=tuple(sample.get("components", ())),
    )


def told(events: list[Event]) -> list[str]:
    """What each event says, in one line."""
    lines = []
    for event in events:
        match event:
            case TaskAssigned():
                lines.append(f"assigned {event.task_key} to {event.unit_code}")
            case TaskCancelled():
                lines.append(f"cancelled at {event.unit_code}")
            case TaskResumed():
                lines.append(f"resumed at {event.unit_code}")
            case DossierStatusChanged():
                lines.append(f"status {event.status.value}")
            case ResultRequested():
                lines.append(f"{event.kind.value} requested of {event.unit_code}")
            case ResultReturned():
                lines.append(f"return told to {event.unit_code}")
            case _:
                lines.append(type(event).__name__)
    return lines


def assigned(events: list[Event], key: str) -> TaskAssigned:
    return next(e for e in events if isinstance(e, TaskAssigned) and e.task_key == key)


def last_status(events: list[Event]) -> DossierStatusChanged:
    """The last status change among ``events``."""
    changes = [e for e in events if isinstance(e, DossierStatusChanged)]
    assert changes, told(events)
    return changes[-1]


def about(task: TaskAssigned) -> dict[str, Any]:
    """The fields naming ``task`` in what its unit sends about it."""
    return {
        "dossier_id": task.dossier_id,
        "dossier_code": task.dossier_code,
        "task_id": task.task_id,
        "unit_code": task.unit_code,
    }


def completed(task: TaskAssigned, outcome: TaskOutcome, reason: str | None = None) -> TaskCompleted:
    return TaskCompleted(
        **about(task),
        outcome=outcome,
        reason=reason,
        completed_by="clerk",
        completed_at=MONDAY,
    )


def approved(task: TaskAssigned) -> TaskCompleted:
    return completed(task, TaskOutcome.APPROVED)


def document(name: str, role: DocumentRole = DocumentRole.COMPONENT) -> DocumentRef:
    """A stored PDF called ``name``: its id and hash derived from the name, so the same name is the same document."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    return DocumentRef(
        document_id=UUID(digest[:32]), name=f"{name}.pdf", media_type=MediaType.PDF, size=1024, sha256=digest, role=role
    )


def filing(
    submitted: DossierSubmitted, filed_at: datetime, documents: tuple[DocumentRef, ...], *missing: str
) -> DossierFiled:
    """The filing, incomplete, of the dossier ``submitted`` says (same id, code, procedure, applicant, place)."""
    return DossierFiled(
        dossier_id=submitted.dossier_id,
        dossier_code=submitted.dossier_code,
        procedure_code=submitted.procedure_code,
        applicant=submitted.applicant,
        receiving_agency=submitted.receiving_agency,
        commune_code=submitted.commune_code,
        province_code=submitted.province_code,
        filed_at=filed_at,
        client_id="portal",
        documents=documents,
        missing=missing,
    )
