"""SMS through a brandname gateway's HTTP API (``POST /api/v1/sms/send``).

The gateway deduplicates on ``request_id``: a message sent again after a crash is answered
with the first message's id and reaches the phone once.
"""

import httpx

from services.notification.channels import Outgoing
from services.notification.channels.http_outcomes import json_field, outcome_of
from services.notification.domain.delivery import Outcome


class SmsGateway:
    """Sends SMS as the province's brandname."""

    name = "sms"

    def __init__(
        self,
        base_url: str,
        api_key: str,
        brandname: str,
        *,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=timeout, transport=transport
        )
        self._brandname = brandname

    async def send(self, message: Outgoing) -> Outcome:
        body = {"request_id": message.key, "phone": message.address, "brandname": self._brandname, "text": message.text}
        return await outcome_of(lambda: self._client.post("/api/v1/sms/send", json=body), json_field("message_id"))

    async def close(self) -> None:
        await self._client.aclose()
