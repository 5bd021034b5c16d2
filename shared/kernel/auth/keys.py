"""Where the token-signing public keys come from: a JWKS file or a JWKS URL.

Both sources keep the key set in memory and look again when a token names a key id
they do not know (a rotated key), at most once per ``refresh_seconds`` so that tokens
with made-up key ids cannot make the service hammer the identity provider.
"""

import asyncio
import json
import time
from pathlib import Path
from typing import Any, Protocol

import httpx
from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKSetError, PyJWTError

ACCEPTED_ALGORITHM = "RS256"


class KeySetError(LookupError):
    """No usable key: the set cannot be read, or it has no RS256 key with this id."""


class KeySource(Protocol):
    """Gives the public key a token's ``kid`` names."""

    async def key(self, kid: str) -> PyJWK: ...


def parse_key_set(document: Any) -> dict[str, PyJWK]:
    """The RS256 signing keys of a JWKS document, by key id; other keys are left out."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise KeySetError("a JWKS document is an object with a list of keys")
    usable = [
        k
        for k in document["keys"]
        if isinstance(k, dict)
        and k.get("kty") == "RSA"
        and k.get("alg", ACCEPTED_ALGORITHM) == ACCEPTED_ALGORITHM
        and k.get("use", "sig") == "sig"
        and isinstance(k.get("kid"), str)
    ]
    try:
        keys = PyJWKSet(usable).keys if usable else []
    except (PyJWKSetError, PyJWTError) as error:
        raise KeySetError(f"unusable JWKS: {error}") from error
    return {key.key_id: key for key in keys if key.key_id}


class _CachedKeySet:
    def __init__(self, refresh_seconds: float) -> None:
        self._keys: dict[str, PyJWK] = {}
        self._refresh_seconds = refresh_seconds
        self._loaded_at: float | None = None
        self._lock = asyncio.Lock()

    async def _load(self) -> dict[str, PyJWK]:
        raise NotImplementedError

    async def key(self, kid: str) -> PyJWK:
        if kid not in self._keys or self._stale():
            async with self._lock:
                if self._loaded_at is None or self._stale() or self._may_look_again():
                    self._keys = await self._load()
                    self._loaded_at = time.monotonic()
        try:
            return self._keys[kid]
        except KeyError:
            raise KeySetError(f"no RS256 signing key has id {kid!r}") from None

    def _stale(self) -> bool:
        return False

    def _may_look_again(self) -> bool:
        return self._loaded_at is None or time.monotonic() - self._loaded_at >= self._refresh_seconds


class FileKeySource(_CachedKeySet):
    """Keys from a JWKS file, read again whenever the file changes."""

    def __init__(self, path: Path, refresh_seconds: float = 5.0) -> None:
        super().__init__(refresh_seconds)
        self.path = path
        self._mtime: float | None = None

    def _stale(self) -> bool:
        try:
            return self.path.stat().st_mtime != self._mtime
        except OSError:
            return True

    async def _load(self) -> dict[str, PyJWK]:
        try:
            self._mtime = self.path.stat().st_mtime
            return parse_key_set(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as error:
            raise KeySetError(f"cannot read the JWKS file: {error}") from error


class UrlKeySource(_CachedKeySet):
    """Keys from a JWKS URL (an identity provider's ``jwks_uri``), kept for ``max_age_seconds``."""

    def __init__(self, url: str, max_age_seconds: float = 300.0, refresh_seconds: float = 30.0) -> None:
        super().__init__(refresh_seconds)
        self.url = url
        self._max_age = max_age_seconds

    def _stale(self) -> bool:
        return self._loaded_at is not None and time.monotonic() - self._loaded_at > self._max_age

    async def _load(self) -> dict[str, PyJWK]:
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                response = await client.get(self.url)
                response.raise_for_status()
                return parse_key_set(response.json())
        except (httpx.HTTPError, ValueError) as error:
            raise KeySetError(f"cannot fetch the JWKS: {error}") from error


class NoKeySource:
    """No JWKS configured: every token is refused."""

    def __init__(self, settings: str = "LIENTHONG_JWKS_FILE or LIENTHONG_JWKS_URL") -> None:
        self.settings = settings

    async def key(self, kid: str) -> PyJWK:
        raise KeySetError(f"no JWKS is configured ({self.settings})")
