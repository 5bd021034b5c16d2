"""Deliveries as an operator sees them: messages and portal records, and the dead-lettered ones retried.

A retry puts a dead-lettered delivery back in line with its attempts counted from zero; the
notification service's worker sends it at its next round. Each retry is recorded in
``operations.delivery_retries`` in the transaction that makes it, and only a delivery that is
dead-lettered at that moment is retried, so a repeated command sends nothing twice.
"""

from dataclasses import dataclass
from datetime import datetime

import asyncpg

AUDIT_DDL = """
CREATE SCHEMA IF NOT EXISTS operations;
CREATE TABLE IF NOT EXISTS operations.delivery_retries (
    id            bigserial   PRIMARY KEY,
    delivery_id   bigint      NOT NULL,
    dossier_code  text        NOT NULL,
    channel       text        NOT NULL,
    error_before  text,
    retried_by    text        NOT NULL,
    reason        text        NOT NULL,
    retried_at    timestamptz NOT NULL DEFAULT now()
);
"""

DELIVERY_COLUMNS = (
    "id, dossier_code, channel, status, state, attempts, last_error, created_at, finished_at, next_attempt_at"
)


@dataclass(frozen=True)
class Delivery:
    id: int
    dossier_code: str
    channel: str
    status: str
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
    next_attempt_at: datetime


@dataclass(frozen=True)
class Retry:
    delivery_id: int
    retried: bool
    state: str | None
    """The delivery's state when it was not retried (None: no such delivery)."""


async def read_deliveries(
    connection: asyncpg.Connection, *, dossier: str | None, state: str | None, limit: int
) -> list[Delivery]:
    """Deliveries, newest first, of one dossier and/or in one state."""
    rows = await connection.fetch(
        f"SELECT {DELIVERY_COLUMNS} FROM notification.deliveries"
        " WHERE ($1::text IS NULL OR dossier_code = $1) AND ($2::text IS NULL OR state = $2)"
        " ORDER BY id DESC LIMIT $3",
        dossier,
        state,
        limit,
    )
    return [Delivery(**dict(row)) for row in rows]


async def retry(connection: asyncpg.Connection, delivery_ids: list[int], *, by: str, reason: str) -> list[Retry]:
    """Put each dead-lettered delivery back in line, recording who did it and why."""
    await connection.execute(AUDIT_DDL)
    outcomes = []
    for delivery_id in delivery_ids:
        async with connection.transaction():
            before = await connection.fetchrow(
                "SELECT dossier_code, channel, state, last_error FROM notification.deliveries WHERE id = $1 FOR UPDATE",
                delivery_id,
            )
            if before is None or before["state"] != "dead-lettered":
                outcomes.append(Retry(delivery_id, False, None if before is None else before["state"]))
                continue
            await connection.execute(
                "UPDATE notification.deliveries SET state = 'pending', attempts = 0, next_attempt_at = now(),"
                " finished_at = NULL WHERE id = $1",
                delivery_id,
            )
            await connection.execute(
                "INSERT INTO operations.delivery_retries (delivery_id, dossier_code, channel, error_before,"
                " retried_by, reason) VALUES ($1, $2, $3, $4, $5, $6)",
                delivery_id,
                before["dossier_code"],
                before["channel"],
                before["last_error"],
                by,
                reason,
            )
            outcomes.append(Retry(delivery_id, True, "dead-lettered"))
    return outcomes
