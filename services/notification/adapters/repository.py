"""SQL of the notification schema."""

from uuid import UUID

import asyncpg

from services.notification.domain.messages import LedgerMessage
from shared.contracts import DossierStatusChanged


async def record(
    connection: asyncpg.Connection, event_id: UUID, event: DossierStatusChanged, message: LedgerMessage
) -> None:
    await connection.execute(
        "INSERT INTO ledger (event_id, channel, dossier_id, dossier_code, status, recipient, message, state)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, 'recorded') ON CONFLICT (event_id, channel) DO NOTHING",
        event_id,
        message.channel,
        event.dossier_id,
        event.dossier_code,
        event.status.value,
        message.recipient,
        message.text,
    )


async def for_dossier(connection: asyncpg.Connection, code: str) -> list[asyncpg.Record]:
    return list(
        await connection.fetch(
            "SELECT event_id, channel, status, message, state, created_at FROM ledger"
            " WHERE dossier_code = $1 ORDER BY id",
            code,
        )
    )
