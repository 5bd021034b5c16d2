"""Notification's use cases for clerks: a deadline warning or an escalation step, told to the clerks it concerns.

The department publishes both on ``department.task-deadlines.v1``, each once per task and mark
or step. Who is told comes from the clerk contacts file (:mod:`services.notification.domain.clerks`);
each clerk gets one message per configured channel they have a contact on, kept once per
(event, channel, clerk), so a redelivered event plans nothing new. The journal keeps how many
clerks on which channels, never who or where.
"""

import logging
from collections.abc import Callable, Sequence

from services.notification.domain.clerk_messages import (
    ClerkMessageFacts,
    escalation_facts,
    is_warning,
    warning_facts,
)
from services.notification.domain.clerks import ClerkContact, ClerkDirectory, escalated_to, warned
from services.notification.domain.planned import PlannedDelivery
from services.notification.rendering import render_for_clerk
from services.notification.store import NotificationStore
from shared.contracts import TaskDeadlineReached, TaskEscalated
from shared.kernel.auth.callers import province_of
from shared.kernel.journal import SYSTEM
from shared.kernel.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

CLERKS_TOLD = "clerks told"


async def tell_of_warning(
    uow: UnitOfWork[NotificationStore],
    event: TaskDeadlineReached,
    *,
    senders: frozenset[str],
    directory: ClerkDirectory,
) -> None:
    """A warning mark tells the task's claimant and its unit's supervisors; an overdue mark tells no one here
    (its escalation's step 1 does)."""
    if not is_warning(event):
        return
    told = warned(directory, unit=event.unit_code, claimed_by=event.claimed_by)
    planned = _messages(told, senders, lambda language: warning_facts(event, language))
    await _plan(uow, event, planned, {"kind": event.kind.value, "unit_code": event.unit_code})


async def tell_of_escalation(
    uow: UnitOfWork[NotificationStore],
    event: TaskEscalated,
    *,
    senders: frozenset[str],
    directory: ClerkDirectory,
) -> None:
    """An escalation step tells its audience: the unit's supervisors, its head, or the province's one-stop
    supervisors."""
    told = escalated_to(directory, event.audience, unit=event.unit_code, province=province_of(event.dossier_code))
    planned = _messages(told, senders, lambda language: escalation_facts(event, language))
    details = {"kind": "escalation", "step": event.step, "audience": event.audience, "unit_code": event.unit_code}
    await _plan(uow, event, planned, details)


def _messages(
    told: Sequence[ClerkContact], senders: frozenset[str], facts_in: Callable[[str], ClerkMessageFacts]
) -> list[PlannedDelivery]:
    planned = []
    for contact in told:
        facts = facts_in(contact.language)
        for channel, address in contact.addresses():
            if channel.value in senders:
                rendered = render_for_clerk(channel, facts)
                planned.append(
                    PlannedDelivery(
                        channel.value,
                        address,
                        rendered.text,
                        rendered.subject,
                        clerk_id=contact.clerk_id,
                        language=contact.language,
                    )
                )
    return planned


async def _plan(
    uow: UnitOfWork[NotificationStore],
    event: TaskDeadlineReached | TaskEscalated,
    planned: list[PlannedDelivery],
    details: dict[str, object],
) -> None:
    assert uow.cause is not None, "clerks' messages are keyed by the deadline event's id"
    if not planned:
        log.info("%s on task %s: no clerk with a configured contact to tell", details["kind"], event.task_id)
        return
    added = await uow.store.plan_for_clerks(uow.cause, event, planned)
    if added:
        journalled = {
            **details,
            "task_id": str(event.task_id),
            "clerks": len({p.clerk_id for p in planned}),
            "channels": sorted({p.channel for p in planned}),
            "cause": str(uow.cause),
        }
        await uow.journal.append(event.dossier_code, CLERKS_TOLD, SYSTEM, journalled)
