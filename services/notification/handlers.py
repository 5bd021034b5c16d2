"""Notification's use cases: plan the deliveries of a status change, and the fallback of a failed one."""

import json

import asyncpg

from services.notification.adapters import repository
from services.notification.adapters.repository import PlannedDelivery
from services.notification.channels.configured import PORTAL
from services.notification.domain.messages import MessageFacts, facts_of, worth_telling
from services.notification.domain.portal_record import portal_record
from services.notification.domain.recipients import Recipient, fallback_of, recipients_of
from services.notification.rendering import render
from shared.contracts import Channel, DossierStatusChanged
from shared.kernel.unit_of_work import UnitOfWork
from shared.reference.data import catalogue


def applicant_channels(senders: frozenset[str]) -> frozenset[Channel]:
    """The applicant channels among the configured senders."""
    return frozenset(c for c in Channel if c.value in senders)


def _facts(event: DossierStatusChanged) -> MessageFacts:
    procedure = catalogue().find(event.procedure_code)
    names = {"vi": procedure.name_vi, "en": procedure.name_en} if procedure else {}
    return facts_of(event, procedure_names=names)


def _message(facts: MessageFacts, recipient: Recipient, fallback_for: int | None = None) -> PlannedDelivery:
    rendered = render(recipient.channel, facts)
    return PlannedDelivery(
        recipient.channel.value, recipient.address, rendered.text, rendered.subject, fallback_of=fallback_for
    )


async def plan_deliveries(
    uow: UnitOfWork[asyncpg.Connection], event: DossierStatusChanged, *, senders: frozenset[str]
) -> None:
    """Plan, in the consumer's transaction, one message per applicant channel and the portal's record.

    The applicant is not told of a hand-over between units that keeps the status; the portal is.

    A redelivered event plans nothing new: each (event, channel) is one row.
    """
    assert uow.cause is not None, "deliveries are keyed by the status change's event id"
    event_id = uow.cause
    planned: list[PlannedDelivery] = []
    if worth_telling(event):
        facts = _facts(event)
        planned += [_message(facts, r) for r in recipients_of(event.applicant, applicant_channels(senders))]
    if PORTAL in senders:
        record = portal_record(event, event_id)
        planned.append(PlannedDelivery(PORTAL, PORTAL, json.dumps(record, ensure_ascii=False), record=record))
    await repository.plan(uow.store, event_id, event, planned)


async def plan_fallback(connection: asyncpg.Connection, failed: asyncpg.Record, *, senders: frozenset[str]) -> bool:
    """After ``failed`` was dead-lettered, send its message on the fallback channel (SMS → e-mail), if any."""
    if failed["channel"] == PORTAL:
        return False
    event = DossierStatusChanged.model_validate_json(failed["event"])
    recipient = fallback_of(event.applicant, Channel(failed["channel"]), applicant_channels(senders))
    if recipient is None:
        return False
    return (
        await repository.plan(connection, failed["event_id"], event, [_message(_facts(event), recipient, failed["id"])])
        > 0
    )
