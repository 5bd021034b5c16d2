"""Notification's use cases: plan the deliveries of a status change, finish each try, retry a dead letter."""

import json
import logging
from dataclasses import dataclass

from services.notification.channels.configured import PORTAL
from services.notification.domain.delivery import Finished, RetryLater, Step
from services.notification.domain.messages import MessageFacts, facts_of, worth_telling
from services.notification.domain.planned import PlannedDelivery
from services.notification.domain.portal_record import portal_record
from services.notification.domain.recipients import Recipient, fallback_of, recipients_of
from services.notification.rendering import render
from services.notification.store import DeliveryRow, NotificationStore
from shared.contracts import Channel, DossierStatusChanged
from shared.kernel.journal import SYSTEM, operator_actor
from shared.kernel.unit_of_work import UnitOfWork
from shared.reference.data import catalogue

log = logging.getLogger(__name__)


class DeliveryNotFoundError(LookupError):
    """No delivery has this id."""


class NotDeadLetteredError(Exception):
    """Only a dead-lettered delivery is put back in line; this one is in another state."""

    def __init__(self, delivery_id: int, state: str) -> None:
        super().__init__(f"it is {state}, not dead-lettered")
        self.delivery_id = delivery_id
        self.state = state


@dataclass(frozen=True)
class Retried:
    """A dead-lettered delivery put back in line, and the record of who asked and why."""

    delivery: DeliveryRow
    record: DeliveryRow


def applicant_channels(senders: frozenset[str]) -> frozenset[Channel]:
    """The applicant channels among the configured senders."""
    return frozenset(c for c in Channel if c.value in senders)


def _facts(event: DossierStatusChanged) -> MessageFacts:
    procedure = catalogue().find(event.procedure_code)
    names = {"vi": procedure.name_vi, "en": procedure.name_en} if procedure else {}
    titles = {"vi": procedure.result_vi, "en": procedure.result_en} if procedure else {}
    return facts_of(event, procedure_names=names, result_titles={k: v for k, v in titles.items() if v})


def _message(facts: MessageFacts, recipient: Recipient, fallback_for: int | None = None) -> PlannedDelivery:
    rendered = render(recipient.channel, facts)
    return PlannedDelivery(
        recipient.channel.value, recipient.address, rendered.text, rendered.subject, fallback_of=fallback_for
    )


async def plan_deliveries(
    uow: UnitOfWork[NotificationStore], event: DossierStatusChanged, *, senders: frozenset[str]
) -> None:
    """Plan, in the consumer's transaction, one message per applicant channel and the portal's record.

    The applicant is not told of a hand-over between units that keeps the status; the portal is.

    A redelivered event plans nothing new: each (event, channel) is one delivery. A stale one
    plans nothing at all: a change is stale when it is not newer than the newest change of the
    dossier deliveries were planned for (its sequence no higher). So when two changes arrive
    out of order (an older one replayed from a dead letter after a newer one), the older one
    is dropped: the applicant is not told of a status the dossier has left, and the portal
    never receives a record after one newer than it.
    """
    assert uow.cause is not None, "deliveries are keyed by the status change's event id"
    event_id = uow.cause
    if not await uow.store.take_status_change(event.dossier_id, event.sequence):
        log.info(
            "stale status change %s (sequence %s) of dossier %s: nothing planned",
            event.status.value,
            event.sequence,
            event.dossier_code,
        )
        return
    planned: list[PlannedDelivery] = []
    if worth_telling(event):
        facts = _facts(event)
        planned += [_message(facts, r) for r in recipients_of(event.applicant, applicant_channels(senders))]
    if PORTAL in senders:
        record = portal_record(event, event_id)
        planned.append(PlannedDelivery(PORTAL, PORTAL, json.dumps(record, ensure_ascii=False), record=record))
    added = await uow.store.plan(event_id, event, planned)
    if added:
        channels = sorted(p.channel for p in planned)  # the channels, never the addresses
        details = {
            "status": event.status.value,
            "sequence": event.sequence,
            "channels": channels,
            "cause": str(event_id),
        }
        await uow.journal.append(event.dossier_code, "notification planned", SYSTEM, details)


async def plan_fallback(uow: UnitOfWork[NotificationStore], failed: DeliveryRow, *, senders: frozenset[str]) -> bool:
    """After ``failed`` was dead-lettered, send its message on the fallback channel (SMS → e-mail), if any."""
    if failed["channel"] == PORTAL or failed.get("clerk_id") is not None:  # a clerk's message has no fallback
        return False
    event = DossierStatusChanged.model_validate_json(failed["event"])
    recipient = fallback_of(event.applicant, Channel(failed["channel"]), applicant_channels(senders))
    if recipient is None:
        return False
    fallback = _message(_facts(event), recipient, failed["id"])
    if not await uow.store.plan(failed["event_id"], event, [fallback]):
        return False
    details = {"channels": [recipient.channel.value], "fallback_of": failed["id"], "cause": str(failed["event_id"])}
    await uow.journal.append(event.dossier_code, "notification planned", SYSTEM, details)
    return True


async def finish_try(
    uow: UnitOfWork[NotificationStore], delivery: DeliveryRow, step: Step, *, senders: frozenset[str]
) -> bool:
    """Record what follows the claimed try of ``delivery``; a dead-lettered one goes on its fallback channel.

    False when the try's lease passed to another worker: its outcome is dropped, nothing changes.
    """
    delivery_id, attempt = delivery["id"], delivery["attempts"]
    if isinstance(step, Finished):
        if not await uow.store.delivered(delivery_id, attempt, step.provider_ref):
            return False
        action = "portal sync sent" if delivery["channel"] == PORTAL else "notification delivered"
        await _journal_try(uow, delivery, action, {"provider_ref": step.provider_ref})
        return True
    if isinstance(step, RetryLater):
        if not await uow.store.retry_later(delivery_id, attempt, step.delay_seconds, step.error):
            return False
        await _journal_try(uow, delivery, "delivery failed", {"retry_in_seconds": step.delay_seconds})
        return True
    if not await uow.store.dead_letter(delivery_id, attempt, step.error):
        return False
    await _journal_try(uow, delivery, "delivery dead-lettered", {})
    if await plan_fallback(uow, delivery, senders=senders):
        log.info("delivery %s on %s dead-lettered; sent by the fallback channel", delivery_id, delivery["channel"])
    return True


async def _journal_try(
    uow: UnitOfWork[NotificationStore], delivery: DeliveryRow, action: str, more: dict[str, object]
) -> None:
    """One try's outcome on the dossier's chain: the delivery and channel, never the address or the error text
    (a provider's error may quote the address)."""
    details = {"delivery_id": delivery["id"], "channel": delivery["channel"], "attempt": delivery["attempts"], **more}
    await uow.journal.append(delivery["dossier_code"], action, SYSTEM, details)


async def retry_delivery(uow: UnitOfWork[NotificationStore], delivery_id: int, *, by: str, reason: str) -> Retried:
    """An operator puts a dead-lettered delivery back in line, once: who and why are kept with it.

    Raises :class:`DeliveryNotFoundError` or :class:`NotDeadLetteredError` (it was retried already,
    or never failed for good); nothing changes then.
    """
    requeued = await uow.store.requeue(delivery_id)
    if requeued is None:
        state = await uow.store.state_of(delivery_id)
        if state is None:
            raise DeliveryNotFoundError(f"no delivery has id {delivery_id}")
        raise NotDeadLetteredError(delivery_id, state)
    record = await uow.store.record_retry(requeued, by=by, reason=reason, at=uow.now)
    details = {"delivery_id": delivery_id, "channel": requeued["channel"]}
    await uow.journal.append(requeued["dossier_code"], "delivery retried", operator_actor(by), details)
    return Retried(requeued, record)
