"""An object store in memory for the fast tier, and the contract every object store keeps.

:class:`MemoryObjectStore` keeps the :class:`shared.kernel.object_store.ObjectStore` protocol:
bodies by key, and pre-signed links as ``memory://`` URLs that :meth:`MemoryObjectStore.open_link`
opens until they expire (on the store's clock, which a test may move). The contract checks below
run on it in the unit tier and on the S3 server in the integration tier
(``tests/unit/test_object_store.py``, ``tests/integration/test_object_store.py``).
"""

import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from kafka_principals import local_dir
from objectstore_keys import object_store_env

from shared.contracts.documents import object_key
from shared.kernel.object_store import ObjectNotFoundError, ObjectStore, ObjectStoreUnavailableError
from shared.kernel.settings import CommonSettings


def local_object_store_env(bucket: str | None = None) -> dict[str, str]:
    """The ``LIENTHONG_OBJECT_STORE_*`` variables reaching the server ``deploy/local/up.sh`` started, on ``bucket``
    when given; only the bucket when the environment names an object store of its own (its access key set)."""
    if os.environ.get("LIENTHONG_OBJECT_STORE_ACCESS_KEY"):
        return {"LIENTHONG_OBJECT_STORE_BUCKET": bucket} if bucket else {}
    return object_store_env(local_dir(), bucket)


def local_object_store_settings(bucket: str | None = None) -> CommonSettings:
    """Settings reaching the same object store as :func:`local_object_store_env`."""
    variables = {**{k: v for k, v in os.environ.items() if k.startswith(_PREFIX)}, **local_object_store_env(bucket)}
    return CommonSettings.model_validate({name.removeprefix("LIENTHONG_").lower(): v for name, v in variables.items()})


_PREFIX = "LIENTHONG_OBJECT_STORE_"


@dataclass(frozen=True)
class StoredObject:
    body: bytes
    media_type: str


class LinkRefusedError(PermissionError):
    """A ``memory://`` link that expired, was altered, or names nothing stored."""


class MemoryObjectStore:
    """:class:`ObjectStore` in a dict; ``available = False`` makes every call fail as the server being down."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.objects: dict[str, StoredObject] = {}
        self.clock = clock
        self.available = True
        self.puts = 0
        self._key = secrets.token_bytes(16)

    def _check(self) -> None:
        if not self.available:
            raise ObjectStoreUnavailableError("the in-memory object store is switched off")

    async def put(self, key: str, body: bytes, media_type: str) -> None:
        self._check()
        self.puts += 1
        self.objects[key] = StoredObject(bytes(body), media_type)

    async def get(self, key: str) -> bytes:
        self._check()
        if key not in self.objects:
            raise ObjectNotFoundError(key)
        return self.objects[key].body

    async def exists(self, key: str) -> bool:
        self._check()
        return key in self.objects

    async def presigned_get(self, key: str, *, expires_seconds: int, filename: str, media_type: str) -> str:
        self._check()
        query = {"expires": str(int(self.clock()) + expires_seconds), "filename": filename, "type": media_type}
        query["signature"] = self._sign(key, query)
        return f"memory://objects/{quote(key)}?{urlencode(query)}"

    def open_link(self, url: str) -> "Download":
        """What following a link of :meth:`presigned_get` gives; :class:`LinkRefusedError` once it expired."""
        parts = urlsplit(url)
        key = parts.path.lstrip("/")
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        signature = query.pop("signature", "")
        if parts.scheme != "memory" or not hmac.compare_digest(signature, self._sign(key, query)):
            raise LinkRefusedError("the link was altered")
        if self.clock() >= int(query["expires"]):
            raise LinkRefusedError("the link expired")
        if key not in self.objects:
            raise LinkRefusedError("nothing is stored under the link's key")
        return Download(self.objects[key].body, query["type"], query["filename"])

    def _sign(self, key: str, query: dict[str, str]) -> str:
        text = "\n".join([key, *(f"{name}={query[name]}" for name in sorted(query))])
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()

    async def close(self) -> None:
        pass


# --- the contract ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    """What a pre-signed link gave: the body, its media type and the file name it is saved as."""

    body: bytes
    media_type: str
    filename: str


@dataclass
class StoreUnderTest:
    """An object store and how to use its links: ``download`` follows one (None when it is refused), ``wait``
    lets ``seconds`` pass for the store (real time for a server, the clock for the memory store)."""

    store: ObjectStore
    download: Callable[[str], Awaitable[Download | None]]
    wait: Callable[[float], Awaitable[None]]


def scan(size: int, seed: bytes = b"") -> bytes:
    """``size`` bytes looking like a scanned page (a PDF header, then bytes that do not compress)."""
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    block = hashlib.sha256(seed + secrets.token_bytes(16)).digest()
    body = bytearray(head)
    while len(body) < size:
        block = hashlib.sha256(block).digest()
        body += block
    return bytes(body[:size])


def _stored_key(body: bytes) -> str:
    return object_key(hashlib.sha256(body).hexdigest())


async def put_then_get_and_exists(case: StoreUnderTest) -> None:
    body = scan(70_000)
    key = _stored_key(body)
    assert not await case.store.exists(key)
    await case.store.put(key, body, "application/pdf")
    assert await case.store.exists(key)
    assert await case.store.get(key) == body


async def the_same_content_twice_is_harmless(case: StoreUnderTest) -> None:
    body = scan(1_000)
    key = _stored_key(body)
    await case.store.put(key, body, "image/png")
    await case.store.put(key, body, "image/png")
    assert await case.store.get(key) == body


async def a_missing_key_is_not_found(case: StoreUnderTest) -> None:
    key = _stored_key(secrets.token_bytes(32))
    assert not await case.store.exists(key)
    try:
        await case.store.get(key)
    except ObjectNotFoundError:
        return
    raise AssertionError("get of a missing key did not raise ObjectNotFoundError")


async def a_presigned_link_downloads_the_body_as_named(case: StoreUnderTest) -> None:
    body = scan(20_000)
    key = _stored_key(body)
    await case.store.put(key, body, "application/pdf")
    link = await case.store.presigned_get(
        key, expires_seconds=60, filename="Giấy khai sinh.pdf", media_type="application/pdf"
    )
    assert await case.download(link) == Download(body, "application/pdf", "Giấy khai sinh.pdf")
    assert await case.download(link.replace(key[-8:], "00000000")) is None, "a link altered must be refused"


async def a_presigned_link_stops_working_when_it_expires(case: StoreUnderTest) -> None:
    body = scan(5_000)
    key = _stored_key(body)
    await case.store.put(key, body, "image/jpeg")
    link = await case.store.presigned_get(key, expires_seconds=1, filename="scan.jpg", media_type="image/jpeg")
    assert await case.download(link) is not None
    await case.wait(2.5)
    assert await case.download(link) is None


CONTRACT = (
    put_then_get_and_exists,
    the_same_content_twice_is_harmless,
    a_missing_key_is_not_found,
    a_presigned_link_downloads_the_body_as_named,
    a_presigned_link_stops_working_when_it_expires,
)
"""What every object store must do, each a check on a :class:`StoreUnderTest`."""
