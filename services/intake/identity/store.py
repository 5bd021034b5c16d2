"""SQL of identity rechecks: claim due pending dossiers under a lease, record an outcome under it."""

from datetime import datetime
from uuid import UUID

import asyncpg

from services.intake.domain.identity import IdentityState, IdentityStatus


async def claim_due(
    connection: asyncpg.Connection, now: datetime, lease_until: datetime, claim: UUID, batch: int
) -> list[asyncpg.Record]:
    """Claim up to ``batch`` pending dossiers due by ``now``; others skip them and, until the lease ends, see them
    as not due. Commit before calling the database, so no transaction waits on it."""
    return list(
        await connection.fetch(
            "UPDATE dossiers SET identity_next_check_at = $2, identity_claim = $3 WHERE id IN ("
            " SELECT id FROM dossiers WHERE identity_status = 'pending' AND identity_next_check_at <= $1"
            " ORDER BY identity_next_check_at LIMIT $4 FOR UPDATE SKIP LOCKED)"
            " RETURNING id, code, applicant, identity_attempts",
            now,
            lease_until,
            claim,
            batch,
        )
    )


async def record_outcome(
    connection: asyncpg.Connection, dossier_id: UUID, claim: UUID, state: IdentityState
) -> asyncpg.Record | None:
    """Store ``state`` if the claim is still ours (no other instance took the dossier over since).

    Returns the dossier's status and handling unit for the history note, or None when the claim was lost.
    """
    return await connection.fetchrow(
        "UPDATE dossiers SET identity_status = $3, identity_detail = $4, identity_attempts = $5,"
        " identity_checked_at = $6, identity_next_check_at = $7, identity_claim = NULL"
        " WHERE id = $1 AND identity_claim = $2 AND identity_status = $8 RETURNING status, handling_unit",
        dossier_id,
        claim,
        state.status.value,
        state.detail,
        state.attempts,
        state.checked_at,
        state.next_check_at,
        IdentityStatus.PENDING.value,
    )
