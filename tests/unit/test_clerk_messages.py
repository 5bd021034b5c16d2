"""Clerks told of deadlines: who hears a warning and each escalation step, on which channels, once, and with no
contact in the journal."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from services.notification import clerk_handlers
from services.notification.adapters.clerk_contacts import load_clerk_contacts
from services.notification.domain.clerks import ClerkDirectory
from services.notification.store import NotificationStore
from shared.contracts import DeadlineKind, TaskDeadlineReached, TaskEscalated
from shared.kernel.journal import RecordingJournal
from shared.kernel.unit_of_work import RecordingOutbox, UnitOfWork
from shared.reference.data import ReferenceDataError
from tests.support.fake_notification_store import FakeNotificationStore

NOW = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)
UNIT = "17179.KT"
CODE = "000.01.15.H40-261125-0007"
EMAIL_AND_ZALO = frozenset({"email", "zalo", "sms"})
CONTACTS = """
clerks:
  - id: nv.handler
    email: handler@xa-quynhluu.nghean.gov.vn
    units: {"17179.KT": [handler]}
  - id: nv.supervisor
    email: sup@xa-quynhluu.nghean.gov.vn
    zalo_user_id: "8461234567890"
    units: {"17179.KT": [supervisor, handler]}
  - id: ct.ubnd
    email: chutich@xa-quynhluu.nghean.gov.vn
    language: en
    units: {"17179.KT": [head]}
  - id: ttpvhcc.sup
    email: giamsat@ttpvhcc.nghean.gov.vn
    units: {"40.TTPVHCC": [supervisor]}
  - id: other.sup
    email: sup@so-nnmt.nghean.gov.vn
    units: {"40.SNNMT": [supervisor]}
"""


@pytest.fixture
def directory(tmp_path: Path) -> ClerkDirectory:
    path = tmp_path / "clerks.yaml"
    path.write_text(CONTACTS, encoding="utf-8")
    return load_clerk_contacts(path)


class Told:
    def __init__(self) -> None:
        self.store = FakeNotificationStore(now=NOW)
        self.journal = RecordingJournal()

    def uow(self, cause: UUID) -> UnitOfWork[NotificationStore]:
        return UnitOfWork(self.store, RecordingOutbox(), NOW, cause, journal=self.journal)

    def to(self, event_id: UUID) -> list[tuple[str | None, str, str]]:
        return sorted(
            (d["clerk_id"], d["channel"], d["recipient"])
            for d in self.store.deliveries.values()
            if d["event_id"] == event_id
        )


def _warning(claimed_by: str | None, kind: DeadlineKind = DeadlineKind.WARNING) -> TaskDeadlineReached:
    return TaskDeadlineReached(
        dossier_id=uuid4(),
        dossier_code=CODE,
        task_id=uuid4(),
        unit_code=UNIT,
        kind=kind,
        assigned_at=NOW - timedelta(days=3),
        due_at=NOW + timedelta(days=1),
        reached_at=NOW,
        claimed_by=claimed_by,
    )


def _step(step: int, audience: str) -> TaskEscalated:
    return TaskEscalated(
        dossier_id=uuid4(),
        dossier_code=CODE,
        task_id=uuid4(),
        unit_code=UNIT,
        step=step,
        audience=audience,
        ladder_version="test",
        due_at=NOW - timedelta(hours=2),
        overdue_at=NOW - timedelta(hours=2),
        escalated_at=NOW,
    )


async def test_a_warning_tells_the_claimant_and_the_units_supervisors_on_each_of_their_channels(
    directory: ClerkDirectory,
) -> None:
    told, event_id = Told(), uuid4()

    await clerk_handlers.tell_of_warning(
        told.uow(event_id), _warning("nv.handler"), senders=EMAIL_AND_ZALO, directory=directory
    )

    assert told.to(event_id) == [
        ("nv.handler", "email", "handler@xa-quynhluu.nghean.gov.vn"),
        ("nv.supervisor", "email", "sup@xa-quynhluu.nghean.gov.vn"),
        ("nv.supervisor", "zalo", "8461234567890"),
    ]
    mail = next(d for d in told.store.deliveries.values() if d["clerk_id"] == "nv.handler")
    assert CODE in mail["subject"]
    assert "Sắp đến hạn" in mail["subject"]
    assert mail["status"] is None


async def test_a_redelivered_warning_plans_nothing_more_and_the_journal_names_no_contact(
    directory: ClerkDirectory,
) -> None:
    told, event_id, event = Told(), uuid4(), _warning(None)

    for _ in range(2):
        await clerk_handlers.tell_of_warning(told.uow(event_id), event, senders=EMAIL_AND_ZALO, directory=directory)

    assert [c for c, _, _ in told.to(event_id)] == ["nv.supervisor", "nv.supervisor"]
    [entry] = told.journal.entries
    assert entry.action == "clerks told"
    assert entry.details["clerks"] == 1
    assert entry.details["channels"] == ["email", "zalo"]
    assert "gov.vn" not in repr(entry.details)
    assert "8461234567890" not in repr(entry.details)


async def test_an_overdue_mark_tells_no_clerk_its_escalation_does(directory: ClerkDirectory) -> None:
    told, event_id = Told(), uuid4()

    await clerk_handlers.tell_of_warning(
        told.uow(event_id), _warning("nv.handler", DeadlineKind.OVERDUE), senders=EMAIL_AND_ZALO, directory=directory
    )

    assert told.to(event_id) == []


@pytest.mark.parametrize(
    ("step", "audience", "clerks"),
    [
        (1, "unit-supervisors", ["nv.supervisor", "nv.supervisor"]),
        (2, "unit-head", ["ct.ubnd"]),
        (3, "province-one-stop", ["ttpvhcc.sup"]),
        (4, "someone-new", []),
    ],
)
async def test_each_step_tells_its_audience(
    directory: ClerkDirectory, step: int, audience: str, clerks: list[str]
) -> None:
    told, event_id = Told(), uuid4()

    await clerk_handlers.tell_of_escalation(
        told.uow(event_id), _step(step, audience), senders=EMAIL_AND_ZALO, directory=directory
    )

    assert [c for c, _, _ in told.to(event_id)] == clerks


async def test_a_clerk_reading_english_gets_english_and_only_configured_channels_are_used(
    directory: ClerkDirectory,
) -> None:
    told, event_id = Told(), uuid4()

    await clerk_handlers.tell_of_escalation(
        told.uow(event_id), _step(2, "unit-head"), senders=frozenset({"email"}), directory=directory
    )
    await clerk_handlers.tell_of_escalation(
        told.uow(uuid4()), _step(1, "unit-supervisors"), senders=frozenset({"zalo"}), directory=directory
    )

    [mail] = [d for d in told.store.deliveries.values() if d["event_id"] == event_id]
    assert mail["language"] == "en"
    assert mail["subject"].startswith("[Overdue \u2013 step 2]")
    assert {d["channel"] for d in told.store.deliveries.values() if d["event_id"] != event_id} == {"zalo"}


def test_a_contacts_file_naming_an_unknown_unit_or_no_contact_does_not_load(tmp_path: Path) -> None:
    path = tmp_path / "clerks.yaml"
    path.write_text('clerks:\n  - id: a\n    email: a@x.vn\n    units: {"99.NOPE": [supervisor]}\n')
    with pytest.raises(ReferenceDataError, match=r"99\.NOPE"):
        load_clerk_contacts(path)
    path.write_text('clerks:\n  - id: a\n    units: {"17179.KT": [supervisor]}\n')
    with pytest.raises(ReferenceDataError, match="email or a zalo_user_id"):
        load_clerk_contacts(path)


def test_no_file_tells_no_one() -> None:
    assert load_clerk_contacts(None).holding(UNIT, "supervisor") == []
