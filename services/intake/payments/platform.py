"""The national payment platform's merchant API, as intake uses it.

``POST /api/payments`` creates a payment under intake's ``merchant_ref`` (the payment row's id): the
platform answers a ref it knows with the payment it made for it, so a creation sent again after a
crash or a lost answer is the same payment. ``GET /api/payments/{id}/receipt`` is the e-receipt PDF of
a paid one.
"""

from dataclasses import dataclass
from uuid import UUID

import httpx

from services.intake.payments.store import CreatedPayment

RETRYABLE_STATUS = frozenset({408, 425, 429})
"""4xx answers that mean "not now" rather than "never" (409 is never: the ref was another payment's)."""
PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class NotCreated:
    """The payment was not created: for now (``permanent`` False: the platform is down or busy), or for good."""

    detail: str
    permanent: bool


class PlatformUnavailableError(ConnectionError):
    """The platform did not give what was asked (down, busy, or an answer that is not one): try again later."""


class PaymentPlatform:
    """Client of the payment platform under the province's merchant key."""

    def __init__(
        self, base_url: str, merchant_key: str, *, timeout: float, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url, headers={"X-Merchant-Key": merchant_key}, timeout=timeout, transport=transport
        )

    async def create(
        self, merchant_ref: UUID, amount_vnd: int, description: str, callback_url: str
    ) -> CreatedPayment | NotCreated:
        """Ask for a payment; network errors, timeouts, 5xx and "not now" 4xx are failures for now."""
        body = {
            "merchant_ref": str(merchant_ref),
            "amount_vnd": amount_vnd,
            "description": description,
            "callback_url": callback_url,
        }
        try:
            response = await self._client.post("/api/payments", json=body)
        except httpx.HTTPError as error:
            return NotCreated(f"unreachable: {type(error).__name__}", permanent=False)
        if not response.is_success:
            permanent = response.is_client_error and response.status_code not in RETRYABLE_STATUS
            return NotCreated(f"HTTP {response.status_code}: {response.text[:200]}", permanent=permanent)
        created = _created(response)
        if created is None:
            return NotCreated(f"HTTP {response.status_code} without payment_id, pay_url and qr_payload", False)
        return created

    async def receipt(self, platform_payment_id: str, max_bytes: int) -> bytes:
        """The e-receipt PDF of a paid payment; raises :class:`PlatformUnavailableError` when it cannot be had now."""
        try:
            response = await self._client.get(f"/api/payments/{platform_payment_id}/receipt")
        except httpx.HTTPError as error:
            raise PlatformUnavailableError(f"unreachable: {type(error).__name__}") from error
        if response.status_code != 200:
            raise PlatformUnavailableError(f"receipt: HTTP {response.status_code}")
        if not response.content.startswith(PDF_MAGIC) or len(response.content) > max_bytes:
            raise PlatformUnavailableError(f"receipt: not a PDF of at most {max_bytes} bytes")
        return response.content

    async def close(self) -> None:
        await self._client.aclose()


def _created(response: httpx.Response) -> CreatedPayment | None:
    try:
        answer = response.json()
        fields = (answer["payment_id"], answer["pay_url"], answer["qr_payload"])
    except (ValueError, KeyError, TypeError):
        return None
    if not all(isinstance(value, str) and 0 < len(value) <= 2000 for value in fields):
        return None
    return CreatedPayment(*fields)
