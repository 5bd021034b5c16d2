"""Calls back from partners (the payment platform, the postal service), authenticated by their signature.

Such a callback comes with no token: the partner signs it. Two headers travel with the body: a
timestamp (unix seconds) and ``hex(HMAC-SHA256(secret, f"{timestamp}.{body}"))``, the secret shared
with that partner alone. A callback is taken only when the signature matches (compared in constant
time) and the timestamp is within ``window_seconds`` of intake's clock; so a forged body is refused,
and a captured one cannot be replayed once the window has passed. Inside the window a replay is the
same callback again: each use case makes a second delivery change nothing.
"""

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime


class CallbackRefusedError(Exception):
    """The callback is not the partner's, or not fresh; ``field`` names the header at fault, ``kind`` the failure
    for logs and metrics (``unsigned``, ``forged``, ``stale``)."""

    def __init__(self, field: str, reason: str, kind: str) -> None:
        super().__init__(reason)
        self.field = field
        self.kind = kind


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """The signature of ``body`` sent at ``timestamp``, as the partner computes it (lowercase hex)."""
    return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class CallbackVerifier:
    """Checks one partner's callbacks: its shared secret, the window, the names of its two headers."""

    secret: bytes
    window_seconds: int
    timestamp_header: str
    signature_header: str

    def verify(self, body: bytes, headers: Mapping[str, str], now: datetime) -> datetime:
        """When the partner signed ``body``; raises :class:`CallbackRefusedError` unless it is signed and fresh.

        ``headers`` is looked up as given (Starlette's are case-insensitive).
        """
        timestamp = headers.get(self.timestamp_header)
        signed = headers.get(self.signature_header)
        if not timestamp or not signed:
            missing = self.timestamp_header if not timestamp else self.signature_header
            raise CallbackRefusedError(missing, "the callback is not signed", "unsigned")
        expected = signature(self.secret, timestamp, body)
        if not hmac.compare_digest(expected.encode(), signed.strip().lower().encode()):
            raise CallbackRefusedError(self.signature_header, "the signature does not match the body", "forged")
        if not timestamp.isdigit() or len(timestamp) > 12:
            raise CallbackRefusedError(self.timestamp_header, "not unix seconds", "forged")
        sent = datetime.fromtimestamp(int(timestamp), UTC)
        if abs((now - sent).total_seconds()) > self.window_seconds:
            reason = f"signed at {sent.isoformat()}, more than {self.window_seconds} s from now: too old or too new"
            raise CallbackRefusedError(self.timestamp_header, reason, "stale")
        return sent
