"""What routing announced: the status changes of a dossier, read from routing's outbox."""

import json
from typing import Any

import asyncpg

from shared.contracts import DossierStatusChanged, topic_of
from shared.kernel.settings import CommonSettings


async def status_changes(settings: CommonSettings, dossier_id: str) -> list[dict[str, Any]]:
    """Every status change routing announced for the dossier, in order: its payload plus ``event_id``."""
    connection = await asyncpg.connect(settings.database_url, server_settings={"search_path": "routing"})
    try:
        rows = await connection.fetch(
            "SELECT event_id, payload FROM outbox WHERE topic = $1 AND key = $2 ORDER BY id",
            topic_of(DossierStatusChanged, settings.topic_prefix),
            dossier_id,
        )
    finally:
        await connection.close()
    return [{"event_id": str(r["event_id"]), **json.loads(r["payload"])} for r in rows]
