"""The query behind the receiving clerks' list of identity checks."""

import asyncpg

from services.intake.domain.identity import IdentityStatus


async def identity_checks(
    connection: asyncpg.Connection, status: IdentityStatus, receiving_agency: str | None, limit: int
) -> list[asyncpg.Record]:
    """Dossiers whose identity is in ``status`` (at one centre when given), newest check first."""
    return list(
        await connection.fetch(
            "SELECT code, receiving_agency, procedure_code, identity_status AS status, identity_detail AS detail,"
            " identity_attempts AS attempts, identity_checked_at AS checked_at FROM dossiers"
            " WHERE identity_status = $1 AND ($2::text IS NULL OR receiving_agency = $2)"
            " ORDER BY identity_checked_at DESC NULLS LAST, received_at DESC, code DESC LIMIT $3",
            status.value,
            receiving_agency,
            limit,
        )
    )
