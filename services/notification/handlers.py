"""Notification's use cases."""

from uuid import UUID

import asyncpg

from services.notification.adapters import repository
from services.notification.domain.messages import message_for
from shared.contracts import DossierStatusChanged


async def tell_applicant(connection: asyncpg.Connection, event_id: UUID, event: DossierStatusChanged) -> None:
    """Write the applicant's ledger entry for a status change (once per event and channel)."""
    await repository.record(connection, event_id, event, message_for(event))
