"""How an HTTP provider's answer reads as a delivery outcome."""

from collections.abc import Awaitable, Callable

import httpx

from services.notification.domain.delivery import Delivered, Outcome, SendFailed

RETRYABLE_STATUS = frozenset({408, 409, 425, 429})
"""4xx answers that mean "not now" rather than "never"."""


async def outcome_of(
    call: Callable[[], Awaitable[httpx.Response]], read_ref: Callable[[httpx.Response], Outcome]
) -> Outcome:
    """Make the call; network errors and timeouts are failures for now, 4xx refusals failures for good."""
    try:
        response = await call()
    except httpx.TimeoutException as error:
        return SendFailed(f"timed out: {type(error).__name__}", permanent=False)
    except httpx.TransportError as error:
        return SendFailed(f"unreachable: {type(error).__name__}: {error}", permanent=False)
    if response.is_success:
        return read_ref(response)
    detail = f"HTTP {response.status_code}: {response.text[:200]}"
    permanent = response.is_client_error and response.status_code not in RETRYABLE_STATUS
    return SendFailed(detail, permanent=permanent)


def json_field(name: str) -> Callable[[httpx.Response], Outcome]:
    """Reads the provider's reference for the message from a JSON field of its answer."""

    def read(response: httpx.Response) -> Outcome:
        try:
            value = response.json().get(name)
        except ValueError:
            value = None
        return Delivered(None if value is None else str(value))

    return read
