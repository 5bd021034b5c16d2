"""Notification's use cases through a fake store: what each status change plans, each try leaves, each retry does."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.notification import handlers
from services.notification.domain.delivery import DeadLettered, Finished, RetryLater
from services.notification.store import NotificationStore
from shared.contracts import Applicant, DossierStatus, DossierStatusChanged
from shared.kernel.unit_of_work import RecordingOutbox, UnitOfWork
from tests.support.fake_notification_store import FakeNotificationStore

EVERY_SENDER = frozenset({"sms", "email", "zalo", "portal"})
NOW = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)
PHONE, EMAIL, ZALO = "0912345678", "lan@example.vn", "8812"


def _status_change(
    status: DossierStatus = DossierStatus.PROCESSING,
    previous: DossierStatus | None = DossierStatus.RECEIVING,
    **applicant: Any,
) -> DossierStatusChanged:
    return DossierStatusChanged(
        dossier_id=uuid4(),
        dossier_code="000.01.15.H40-261125-0007",
        status=status,
        previous_status=previous,
        procedure_code="1.001193",
        applicant=Applicant.model_validate({"citizen_id": "040301000123", "full_name": "Hồ Thị Lan", **applicant}),
        received_at=NOW,
        due_at=NOW,
        handling_unit="17179.VP",
        changed_at=NOW,
    )


class Notification:
    """Notification's use cases on one fake store, each in its own unit of work that publishes nothing."""

    def __init__(self) -> None:
        self.store = FakeNotificationStore(now=NOW)
        self.outbox = RecordingOutbox()

    def uow(self, cause: UUID | None = None) -> UnitOfWork[NotificationStore]:
        return UnitOfWork(self.store, self.outbox, NOW, cause)

    async def plan(self, event: DossierStatusChanged, senders: frozenset[str] = EVERY_SENDER) -> UUID:
        """Plan the deliveries of ``event`` as the consumer does; returns its event id."""
        event_id = uuid4()
        await handlers.plan_deliveries(self.uow(event_id), event, senders=senders)
        return event_id

    def channels(self, event_id: UUID) -> list[str]:
        return [d["channel"] for d in self.store.of_event(event_id)]

    async def dead_lettered_sms(self, **applicant: Any) -> dict[str, Any]:
        """An SMS of a fresh status change, dead-lettered after its first try."""
        event_id = await self.plan(_status_change(channels=["sms"], phone=PHONE, **applicant))
        claimed = next(d for d in await self.store.claim_due(batch=10, lease_seconds=60) if d["channel"] == "sms")
        assert claimed["event_id"] == event_id
        assert await self.store.dead_letter(claimed["id"], claimed["attempts"], "503 from the gateway")
        return self.store.deliveries[claimed["id"]]


@pytest.fixture
def notification() -> Notification:
    return Notification()


async def test_a_status_change_plans_one_message_per_chosen_channel_and_the_portal_record(
    notification: Notification,
) -> None:
    event = _status_change(phone=PHONE, email=EMAIL, zalo_user_id=ZALO, channels=["zalo", "sms"])

    event_id = await notification.plan(event)

    assert notification.channels(event_id) == ["zalo", "sms", "portal"]
    zalo, sms, _ = notification.store.of_event(event_id)
    assert (zalo["recipient"], sms["recipient"]) == (ZALO, PHONE)
    assert "đang xử lý" in sms["message"]
    assert notification.outbox.events == []


async def test_an_applicant_who_chose_no_channel_is_told_on_every_channel_with_a_contact(
    notification: Notification,
) -> None:
    event_id = await notification.plan(_status_change(phone=PHONE, email=EMAIL))

    assert notification.channels(event_id) == ["sms", "email", "portal"]
    email = notification.store.of_event(event_id)[1]
    assert email["recipient"] == EMAIL
    assert email["subject"]


async def test_only_configured_channels_carry_messages(notification: Notification) -> None:
    event = _status_change(phone=PHONE, email=EMAIL, channels=["email", "sms"])

    event_id = await notification.plan(event, senders=frozenset({"sms"}))

    assert notification.channels(event_id) == ["sms"]


async def test_a_hand_over_that_keeps_the_status_is_not_told_to_the_applicant_but_goes_to_the_portal(
    notification: Notification,
) -> None:
    event = _status_change(DossierStatus.PROCESSING, DossierStatus.PROCESSING, phone=PHONE)

    event_id = await notification.plan(event)

    assert notification.channels(event_id) == ["portal"]


async def test_the_portal_record_names_the_status_change_and_is_planned_only_when_the_portal_is_configured(
    notification: Notification,
) -> None:
    with_portal = await notification.plan(_status_change(phone=PHONE))
    without_portal = await notification.plan(_status_change(phone=PHONE), senders=frozenset({"sms"}))

    [record] = [d for d in notification.store.of_event(with_portal) if d["channel"] == "portal"]
    assert json.loads(record["record"])["sync_id"] == str(with_portal)
    assert json.loads(record["record"])["status"] == "processing"
    assert notification.channels(without_portal) == ["sms"]


async def test_a_redelivered_status_change_plans_nothing_new(notification: Notification) -> None:
    event, event_id = _status_change(phone=PHONE), uuid4()

    await handlers.plan_deliveries(notification.uow(event_id), event, senders=EVERY_SENDER)
    await handlers.plan_deliveries(notification.uow(event_id), event, senders=EVERY_SENDER)

    assert notification.channels(event_id) == ["sms", "portal"]
    assert len(notification.store.deliveries) == 2


async def test_a_dead_lettered_sms_goes_by_email_when_there_is_an_address(notification: Notification) -> None:
    failed = await notification.dead_lettered_sms(email=EMAIL)

    sent = await handlers.plan_fallback(notification.uow(), failed, senders=EVERY_SENDER)

    assert sent
    [fallback] = [d for d in notification.store.of_event(failed["event_id"]) if d["channel"] == "email"]
    assert (fallback["recipient"], fallback["fallback_of"], fallback["state"]) == (EMAIL, failed["id"], "pending")
    assert fallback["subject"]


async def test_a_fallback_is_planned_once(notification: Notification) -> None:
    failed = await notification.dead_lettered_sms(email=EMAIL)

    first = await handlers.plan_fallback(notification.uow(), failed, senders=EVERY_SENDER)
    again = await handlers.plan_fallback(notification.uow(), failed, senders=EVERY_SENDER)

    assert (first, again) == (True, False)


async def test_a_dead_lettered_sms_has_no_fallback_without_an_email_address_or_an_email_sender(
    notification: Notification,
) -> None:
    no_address = await notification.dead_lettered_sms()
    no_sender = await notification.dead_lettered_sms(email=EMAIL)

    assert not await handlers.plan_fallback(notification.uow(), no_address, senders=EVERY_SENDER)
    assert not await handlers.plan_fallback(notification.uow(), no_sender, senders=frozenset({"sms", "portal"}))
    assert notification.channels(no_address["event_id"]) == ["sms", "portal"]
    assert notification.channels(no_sender["event_id"]) == ["sms", "portal"]


async def test_the_portal_record_has_no_fallback(notification: Notification) -> None:
    event_id = await notification.plan(_status_change(phone=PHONE, email=EMAIL))
    [portal] = [d for d in notification.store.of_event(event_id) if d["channel"] == "portal"]

    assert not await handlers.plan_fallback(notification.uow(), portal, senders=EVERY_SENDER)
    assert notification.channels(event_id) == ["sms", "email", "portal"]


async def test_a_try_ends_delivered_or_back_in_line_for_later(notification: Notification) -> None:
    event_id = await notification.plan(_status_change(phone=PHONE))
    sms, portal = await notification.store.claim_due(batch=10, lease_seconds=60)

    delivered = await handlers.finish_try(notification.uow(), sms, Finished("gw-1"), senders=EVERY_SENDER)
    later = await handlers.finish_try(notification.uow(), portal, RetryLater(30, "timeout"), senders=EVERY_SENDER)

    assert (delivered, later) == (True, True)
    sms_now, portal_now = notification.store.of_event(event_id)
    assert (sms_now["state"], sms_now["provider_ref"]) == ("delivered", "gw-1")
    assert (portal_now["state"], portal_now["last_error"], portal_now["attempts"]) == ("pending", "timeout", 1)


async def test_the_last_failed_try_dead_letters_the_sms_and_sends_it_by_email(notification: Notification) -> None:
    event_id = await notification.plan(_status_change(phone=PHONE, email=EMAIL, channels=["sms"]))
    [sms, _portal] = await notification.store.claim_due(batch=10, lease_seconds=60)

    kept = await handlers.finish_try(notification.uow(), sms, DeadLettered("gave up"), senders=EVERY_SENDER)

    assert kept
    assert notification.channels(event_id) == ["sms", "portal", "email"]
    assert notification.store.deliveries[sms["id"]]["state"] == "dead-lettered"


async def test_the_outcome_of_a_try_whose_lease_passed_to_another_worker_is_dropped(
    notification: Notification,
) -> None:
    event_id = await notification.plan(_status_change(phone=PHONE, email=EMAIL, channels=["sms"]))
    [stale, _portal] = await notification.store.claim_due(batch=10, lease_seconds=60)
    notification.store.now = NOW + timedelta(minutes=2)  # the lease ended: another worker claims it
    [taken_over, _] = await notification.store.claim_due(batch=10, lease_seconds=60)
    assert taken_over["attempts"] == 2

    kept = await handlers.finish_try(notification.uow(), stale, DeadLettered("gave up"), senders=EVERY_SENDER)

    assert not kept
    assert notification.store.deliveries[stale["id"]]["state"] == "sending"
    assert notification.channels(event_id) == ["sms", "portal"], "no fallback for a dropped outcome"


async def test_an_operator_puts_a_dead_lettered_delivery_back_in_line_with_who_and_why(
    notification: Notification,
) -> None:
    failed = await notification.dead_lettered_sms()

    retried = await handlers.retry_delivery(notification.uow(), failed["id"], by="ops.an", reason="gateway back")

    assert (retried.delivery["state"], retried.delivery["attempts"]) == ("pending", 0)
    assert notification.store.deliveries[failed["id"]]["finished_at"] is None
    assert notification.store.retries == [
        {
            "delivery_id": failed["id"],
            "dossier_code": failed["dossier_code"],
            "channel": "sms",
            "error_before": "503 from the gateway",
            "retried_by": "ops.an",
            "reason": "gateway back",
            "retried_at": NOW,
        }
    ]
    assert [d["id"] for d in await notification.store.claim_due(batch=10, lease_seconds=60)] == [failed["id"]]


async def test_a_delivery_is_retried_once_and_one_not_dead_lettered_is_left_as_it_is(
    notification: Notification,
) -> None:
    failed = await notification.dead_lettered_sms()
    await handlers.retry_delivery(notification.uow(), failed["id"], by="ops.an", reason="gateway back")

    with pytest.raises(handlers.NotDeadLetteredError, match="it is pending, not dead-lettered"):
        await handlers.retry_delivery(notification.uow(), failed["id"], by="ops.binh", reason="double click")

    assert [r["retried_by"] for r in notification.store.retries] == ["ops.an"]


async def test_retrying_an_unknown_delivery_changes_nothing(notification: Notification) -> None:
    with pytest.raises(handlers.DeliveryNotFoundError):
        await handlers.retry_delivery(notification.uow(), 404, by="ops.an", reason="typo")

    assert notification.store.retries == []


def _journey(*changes: tuple[DossierStatus, int | None]) -> list[DossierStatusChanged]:
    """Status changes of one dossier, each with its number (None: from before numbering)."""
    first = _status_change(phone=PHONE, previous=None)
    return [first.model_copy(update={"status": status, "sequence": number}) for status, number in changes]


async def test_status_changes_in_the_order_of_their_numbers_each_plan_their_messages(
    notification: Notification,
) -> None:
    processing, done = _journey((DossierStatus.PROCESSING, 3), (DossierStatus.DONE, 8))

    planned = [await notification.plan(processing), await notification.plan(done)]

    assert [notification.channels(e) for e in planned] == [["sms", "portal"], ["sms", "portal"]]


async def test_an_older_status_change_after_a_newer_one_plans_no_message_and_no_portal_record(
    notification: Notification,
) -> None:
    done, processing, done_again, before_numbering = _journey(
        (DossierStatus.DONE, 8), (DossierStatus.PROCESSING, 3), (DossierStatus.DONE, 8), (DossierStatus.RECEIVING, None)
    )
    await notification.plan(done)
    deliveries = dict(notification.store.deliveries)

    for stale in (processing, done_again, before_numbering):  # out of order; the same change again; unnumbered
        assert notification.channels(await notification.plan(stale)) == []

    assert notification.store.deliveries == deliveries
    records = [d for d in deliveries.values() if d["channel"] == "portal"]
    assert [json.loads(d["record"])["status"] for d in records] == ["done"]


async def test_changes_from_before_numbering_plan_as_before_until_a_numbered_one_arrives(
    notification: Notification,
) -> None:
    receiving, processing, done = _journey(
        (DossierStatus.RECEIVING, None), (DossierStatus.PROCESSING, None), (DossierStatus.DONE, 1)
    )

    planned = [await notification.plan(e) for e in (receiving, processing, done)]

    assert [notification.channels(e) for e in planned] == [["sms", "portal"]] * 3
