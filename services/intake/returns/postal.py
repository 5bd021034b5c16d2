"""The postal service's shipment API (``POST /api/shipments``), as the shipper uses it.

The service deduplicates on ``reference`` (the dossier's code): an order sent again after a crash
or a lost answer is answered with the first order's tracking id, so a result is shipped once.
"""

from dataclasses import dataclass

import httpx

RETRYABLE_STATUS = frozenset({408, 425, 429})
"""4xx answers that mean "not now" rather than "never" (409 is never: the reference was another order's)."""


@dataclass(frozen=True)
class Shipped:
    """The postal service took the order under ``tracking_id``."""

    tracking_id: str


@dataclass(frozen=True)
class NotShipped:
    """The order was not taken: for now (``permanent`` False: the service is down or busy), or for good."""

    detail: str
    permanent: bool


@dataclass(frozen=True)
class ShipmentRequest:
    """One order: the result of dossier ``reference`` to ``recipient`` at ``address``; delivery told to
    ``callback_url``."""

    reference: str
    recipient: str
    address: str
    callback_url: str


class PostalService:
    """Client of the postal service under the province's merchant key."""

    def __init__(
        self, base_url: str, merchant_key: str, *, timeout: float, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url, headers={"X-Merchant-Key": merchant_key}, timeout=timeout, transport=transport
        )

    async def ship(self, order: ShipmentRequest) -> Shipped | NotShipped:
        """Send the order; network errors, timeouts, 5xx and "not now" 4xx are failures for now."""
        body = {
            "reference": order.reference,
            "recipient": order.recipient,
            "address": order.address,
            "callback_url": order.callback_url,
        }
        try:
            response = await self._client.post("/api/shipments", json=body)
        except httpx.TimeoutException as error:
            return NotShipped(f"timed out: {type(error).__name__}", permanent=False)
        except httpx.TransportError as error:
            return NotShipped(f"unreachable: {type(error).__name__}", permanent=False)
        if response.is_success:
            tracking_id = _tracking_id(response)
            if tracking_id is None:
                return NotShipped(f"HTTP {response.status_code} without a tracking_id", permanent=False)
            return Shipped(tracking_id)
        permanent = response.is_client_error and response.status_code not in RETRYABLE_STATUS
        return NotShipped(f"HTTP {response.status_code}: {response.text[:200]}", permanent=permanent)

    async def close(self) -> None:
        await self._client.aclose()


def _tracking_id(response: httpx.Response) -> str | None:
    try:
        value = response.json().get("tracking_id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and 0 < len(value) <= 100 else None
