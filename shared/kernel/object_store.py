"""The object store as the services see it: bodies kept by key, read back, and lent by short-lived links.

The S3 implementation is :mod:`shared.kernel.s3_object_store`; the fast tests use an in-memory one
(``tests/support/object_store.py``). Keys are content-addressed (:func:`shared.contracts.object_key`),
so putting the same body twice is harmless.
"""

from typing import Protocol


class ObjectStoreUnavailableError(ConnectionError):
    """The object store did not answer, or answered with a server error: transient, try again later."""


class ObjectNotFoundError(LookupError):
    """No object is stored under this key."""


class ObjectStore(Protocol):
    """Where documents' bodies are kept."""

    async def put(self, key: str, body: bytes, media_type: str) -> None:
        """Store ``body`` under ``key`` (overwriting the same content is harmless); returns once it is durable."""
        ...

    async def get(self, key: str) -> bytes:
        """The body under ``key``; raises :class:`ObjectNotFoundError`."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether something is stored under ``key``."""
        ...

    async def presigned_get(self, key: str, *, expires_seconds: int, filename: str, media_type: str) -> str:
        """A link anyone holding it may download ``key`` with, for ``expires_seconds``, saved as ``filename``."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
