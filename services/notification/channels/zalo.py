"""Messages through the province's Zalo Official Account (customer-service message API).

Zalo answers HTTP 200 with an error code in the body. It does not deduplicate: ``tracking_id``
only lets a resend after a crash be recognised in Zalo's reports.
"""

import httpx

from services.notification.channels import Outgoing
from services.notification.channels.http_outcomes import outcome_of
from services.notification.domain.delivery import Delivered, Outcome, SendFailed

PERMANENT_ERRORS = frozenset({-201, -213, -230})
"""Invalid parameters, user does not follow the OA, user has not interacted recently."""


class ZaloOfficialAccount:
    name = "zalo"

    def __init__(
        self, base_url: str, access_token: str, *, timeout: float, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url, headers={"access_token": access_token}, timeout=timeout, transport=transport
        )

    async def send(self, message: Outgoing) -> Outcome:
        body = {
            "recipient": {"user_id": message.address},
            "message": {"text": message.text},
            "tracking_id": message.key,
        }
        return await outcome_of(lambda: self._client.post("/v3.0/oa/message/cs", json=body), _read_answer)

    async def close(self) -> None:
        await self._client.aclose()


def _read_answer(response: httpx.Response) -> Outcome:
    try:
        answer = response.json()
        code = int(answer.get("error", -1))
    except (ValueError, TypeError, AttributeError):
        return SendFailed(f"unreadable answer: {response.text[:200]}", permanent=False)
    if code == 0:
        return Delivered(str((answer.get("data") or {}).get("message_id") or "") or None)
    return SendFailed(f"Zalo error {code}: {answer.get('message')}", permanent=code in PERMANENT_ERRORS)
