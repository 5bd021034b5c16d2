"""Status records to the National Public Service Portal (``POST /api/v1/dossiers/status-sync``).

The portal deduplicates on ``sync_id`` (the status change's event id).
"""

import httpx

from services.notification.channels import Outgoing
from services.notification.channels.http_outcomes import outcome_of
from services.notification.domain.delivery import Delivered, Outcome


class NationalPortal:
    name = "portal"

    def __init__(
        self, base_url: str, token: str, *, timeout: float, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout, transport=transport
        )

    async def send(self, message: Outgoing) -> Outcome:
        assert message.record is not None, "a portal delivery carries its record"
        record = message.record
        return await outcome_of(
            lambda: self._client.post("/api/v1/dossiers/status-sync", json=record), lambda _: Delivered(None)
        )

    async def close(self) -> None:
        await self._client.aclose()
