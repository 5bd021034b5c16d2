"""Event contracts and their topics (shared.contracts)."""

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from shared.contracts import (
    JOURNAL_SEALS,
    STREAMS,
    TASK_ORDERS,
    Applicant,
    DossierIdentityChanged,
    DossierStatus,
    DossierStatusChanged,
    DossierSubmitted,
    DossierSupplemented,
    DossierWithdrawn,
    Event,
    JournalDaySealed,
    TaskAssigned,
    TaskCancelled,
    TaskCompleted,
    TaskDeadlineReached,
    TaskDueChanged,
    TaskEscalated,
    TaskExtended,
    TaskIdentityChanged,
    TaskOutcome,
    TaskResumed,
    TaskReturned,
    TaskSupplementRequested,
    dead_letter_topic,
    event_type_of,
    stream_for,
    stream_of,
    topic_of,
)
from shared.contracts.cloudevents import headers_for
from shared.contracts.events import SequencedEvent, is_newer
from shared.contracts.onestop_events import (
    DossierFiled,
    DossierNotAccepted,
    DossierPaid,
    DossierResultReturned,
    ResultIssued,
    ResultRequested,
    ResultReturned,
    TaskPaymentRequested,
)

CODE = "000.00.15.H40-250814-0001"
DOSSIER_ID = UUID("6b1f2d7e-8a4c-4b0e-9d3f-2c5a7e9b1d40")


def _task_completed(**changes: Any) -> TaskCompleted:
    fields: dict[str, Any] = {
        "dossier_id": uuid4(),
        "dossier_code": CODE,
        "task_id": uuid4(),
        "unit_code": "17179.VP",
        "outcome": TaskOutcome.APPROVED,
        "completed_by": "clerk-1",
        "completed_at": datetime(2025, 8, 15, tzinfo=UTC),
    }
    return TaskCompleted.model_validate(fields | changes)


def test_events_are_frozen() -> None:
    event = _task_completed()

    with pytest.raises(ValidationError, match="frozen"):
        event.unit_code = "40.SXD"  # type: ignore[misc]
    assert event.unit_code == "17179.VP"


def test_applicant_is_frozen() -> None:
    applicant = Applicant(citizen_id="040123456789", full_name="Nguyễn Văn An")

    with pytest.raises(ValidationError, match="frozen"):
        applicant.full_name = "Trần Thị Bình"  # type: ignore[misc]


def test_extra_fields_are_rejected() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted") as caught:
        _task_completed(priority="high")

    assert caught.value.errors()[0]["loc"] == ("priority",)


def test_extra_applicant_fields_are_rejected() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Applicant.model_validate({"citizen_id": "040123456789", "full_name": "An", "address": "Nghệ An"})


@pytest.mark.parametrize("citizen_id", ["12345678901", "1234567890123", "04012345678a"])
def test_citizen_id_has_twelve_digits(citizen_id: str) -> None:
    with pytest.raises(ValidationError, match="citizen_id"):
        Applicant(citizen_id=citizen_id, full_name="An")


def test_unknown_task_outcome_is_rejected() -> None:
    with pytest.raises(ValidationError, match="outcome"):
        _task_completed(outcome="postponed")


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (DossierStatus.NEW, 1),
        (DossierStatus.RECEIVING, 2),
        (DossierStatus.UNRESOLVED, 3),
        (DossierStatus.PROCESSING, 4),
        (DossierStatus.WAITING, 5),
        (DossierStatus.PAYING, 6),
        (DossierStatus.CANCELLED, 7),
        (DossierStatus.DENIED, 8),
        (DossierStatus.RELEASING, 9),
        (DossierStatus.DONE, 10),
        (DossierStatus.OTHER, 11),
    ],
)
def test_status_maps_to_its_portal_code(status: DossierStatus, code: int) -> None:
    assert status.portal_code == code


def test_only_not_accepted_cancelled_denied_and_done_are_final() -> None:
    assert {s for s in DossierStatus if s.is_final} == {
        DossierStatus.UNRESOLVED,
        DossierStatus.CANCELLED,
        DossierStatus.DENIED,
        DossierStatus.DONE,
    }


def test_status_values_are_lower_case_words() -> None:
    assert DossierStatus("done") is DossierStatus.DONE
    assert [s.value for s in DossierStatus][:3] == ["new", "receiving", "unresolved"]


def test_streams_are_versioned_v1() -> None:
    assert all(s.topic.endswith(".v1") for s in STREAMS)


def test_each_stream_carries_the_events_of_one_relationship() -> None:
    assert {s.topic: (s.producer, s.consumers, tuple(t.model for t in s.events)) for s in STREAMS} == {
        "intake.dossiers.v1": (
            "intake",
            ("routing",),
            (
                DossierSubmitted,
                DossierSupplemented,
                DossierWithdrawn,
                DossierIdentityChanged,
                DossierFiled,
                DossierNotAccepted,
                DossierPaid,
                DossierResultReturned,
            ),
        ),
        "routing.task-orders.v1": (
            "routing",
            ("department",),
            (
                TaskAssigned,
                TaskCancelled,
                TaskResumed,
                TaskDueChanged,
                TaskIdentityChanged,
                ResultRequested,
                ResultReturned,
            ),
        ),
        "department.task-outcomes.v1": (
            "department",
            ("routing",),
            (TaskCompleted, TaskSupplementRequested, TaskReturned, TaskExtended, TaskPaymentRequested, ResultIssued),
        ),
        "department.task-deadlines.v1": ("department", ("notification",), (TaskDeadlineReached, TaskEscalated)),
        "routing.dossier-status.v1": ("routing", ("intake", "notification"), (DossierStatusChanged,)),
        "intake.journal-seals.v1": ("intake", ("department",), (JournalDaySealed,)),
        "routing.journal-seals.v1": ("routing", ("department",), (JournalDaySealed,)),
        "department.journal-seals.v1": ("department", ("department",), (JournalDaySealed,)),
        "notification.journal-seals.v1": ("notification", ("department",), (JournalDaySealed,)),
    }


def _event_models(base: type[Event] = Event) -> set[type[Event]]:
    """Every event model: the subclasses of ``Event``, without the bases they share (``SequencedEvent``)."""
    found: set[type[Event]] = set()
    for model in base.__subclasses__():
        found |= _event_models(model) if model is SequencedEvent else {model}
    return found


def test_every_dossier_event_type_travels_on_exactly_one_stream_with_a_distinct_ce_type() -> None:
    dossier_streams = [s for s in STREAMS if s not in JOURNAL_SEALS.values()]
    models = [t.model for s in dossier_streams for t in s.events]
    ce_types = [t.ce_type for s in dossier_streams for t in s.events]

    assert len(models) == len(set(models)) == len(_event_models())
    assert len(ce_types) == len(set(ce_types))
    assert {t.model for s in JOURNAL_SEALS.values() for t in s.events} == {JournalDaySealed}


def test_a_services_event_travels_on_its_own_stream_keyed_by_its_name() -> None:
    sealed = JournalDaySealed(
        service="routing",
        day=date(2026, 12, 1),
        until=datetime(2026, 12, 1, 17, tzinfo=UTC),
        root="a" * 64,
        chains=2,
        entries=5,
        sealed_at=datetime(2026, 12, 2, tzinfo=UTC),
    )

    assert stream_for(sealed) is JOURNAL_SEALS["routing"]
    assert (sealed.key, sealed.subject) == ("routing", "service:routing")
    assert headers_for(sealed, source="routing").subject == "service:routing"
    with pytest.raises(LookupError):
        stream_for(sealed.model_copy(update={"service": "billing"}))


def test_a_dossier_event_travels_on_its_types_stream_keyed_by_the_dossier() -> None:
    event = TaskResumed(
        dossier_id=DOSSIER_ID,
        dossier_code=CODE,
        task_id=DOSSIER_ID,
        unit_code="40.SNNMT",
        due_at=datetime(2026, 12, 1, tzinfo=UTC),
        resumed_at=datetime(2026, 12, 1, tzinfo=UTC),
    )

    assert stream_for(event) is TASK_ORDERS
    assert (event.key, event.subject) == (str(DOSSIER_ID), CODE)


def test_an_assignment_and_its_cancellation_share_a_stream_so_their_order_holds() -> None:
    assert stream_of(TaskAssigned) is stream_of(TaskCancelled) is stream_of(TaskResumed) is TASK_ORDERS


def test_cloudevents_type_names_the_event_not_the_stream() -> None:
    assert event_type_of(TaskAssigned).ce_type == "vn.lienthong.task.assigned.v1"
    assert TASK_ORDERS.carries("vn.lienthong.task.cancelled.v1") == event_type_of(TaskCancelled)
    assert TASK_ORDERS.carries("vn.lienthong.task.completed.v1") is None


def test_topic_of_is_the_stream_with_the_prefix() -> None:
    assert topic_of(DossierSubmitted) == "intake.dossiers.v1"
    assert topic_of(TaskCancelled, "nghean.") == "nghean.routing.task-orders.v1"


def test_dead_letter_topic_appends_dlq() -> None:
    assert dead_letter_topic("t.dossier.status-changed.v1") == "t.dossier.status-changed.v1.dlq"


def test_routings_status_changes_and_task_orders_are_the_events_numbered_per_dossier() -> None:
    numbered = {m for m in _event_models() if issubclass(m, SequencedEvent)}

    assert numbered == {
        DossierStatusChanged,
        TaskAssigned,
        TaskCancelled,
        TaskResumed,
        TaskDueChanged,
        TaskIdentityChanged,
        ResultRequested,
        ResultReturned,
    }


def test_an_event_published_before_numbering_decodes_with_an_unknown_sequence() -> None:
    fields = {"task_id": str(uuid4()), "unit_code": "17179.VP", "due_at": "2025-08-20T10:00:00+00:00"}
    before = {"dossier_id": str(uuid4()), "dossier_code": CODE, **fields, "resumed_at": "2025-08-15T10:00:00+00:00"}

    assert TaskResumed.model_validate(before).sequence is None
    assert TaskResumed.model_validate({**before, "sequence": 7}).sequence == 7
    with pytest.raises(ValidationError, match="sequence"):
        TaskResumed.model_validate({**before, "sequence": 0})


def test_a_numbered_event_is_newer_only_above_the_number_applied() -> None:
    assert is_newer(4, applied=3)
    assert not is_newer(3, applied=3)
    assert not is_newer(2, applied=3)
    assert is_newer(1, applied=0)


def test_an_event_of_unknown_sequence_is_older_than_any_numbered_one_and_applies_against_none() -> None:
    assert not is_newer(None, applied=1)
    assert is_newer(None, applied=0)
