"""The S3 object store on the real server deploy/local/up.sh starts (S3Proxy on the filesystem): the contract
every store keeps, bodies checked on their way in, pre-signed links that expire, and a server that is not there
or does not answer failing as unavailable (transient)."""

import asyncio
import base64
import contextlib
import hashlib
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from urllib.parse import unquote

import httpx
import pytest
from botocore.exceptions import ClientError
from pydantic import SecretStr

from shared.contracts.documents import object_key
from shared.kernel.object_store import ObjectStoreUnavailableError
from shared.kernel.s3_object_store import ObjectStoreRefusedError, S3ObjectStore
from shared.kernel.settings import CommonSettings
from tests.support.object_store import CONTRACT, Download, StoreUnderTest, local_object_store_settings, scan

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def object_store_settings(infrastructure: None) -> CommonSettings:
    return local_object_store_settings()


@pytest.fixture
async def store(object_store_settings: CommonSettings) -> AsyncIterator[S3ObjectStore]:
    s3 = S3ObjectStore.from_settings(object_store_settings)
    yield s3
    await s3.close()


async def _download(link: str) -> Download | None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(link)
    if response.status_code == 403:
        return None
    response.raise_for_status()
    disposition = response.headers["content-disposition"]
    filename = unquote(disposition.split("filename*=UTF-8''", 1)[1])
    return Download(response.content, response.headers["content-type"], filename)


@pytest.mark.parametrize("check", CONTRACT, ids=lambda check: check.__name__)
async def test_the_s3_store_keeps_the_contract(
    store: S3ObjectStore, check: Callable[[StoreUnderTest], Awaitable[None]]
) -> None:
    await check(StoreUnderTest(store, _download, asyncio.sleep))


async def test_the_server_refuses_a_body_changed_on_the_way(store: S3ObjectStore) -> None:
    body = scan(4_000)
    key = object_key(hashlib.sha256(body).hexdigest())
    s3 = await store.client()
    # The checksums S3ObjectStore.put sends, computed over the body before one byte of it changed.
    changed = body[:-1] + bytes([body[-1] ^ 1])
    for checksum in (
        {"ChecksumSHA256": base64.b64encode(hashlib.sha256(body).digest()).decode()},
        {"ContentMD5": base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()},
    ):
        with pytest.raises(ClientError) as refused:
            await s3.put_object(Bucket=store.bucket, Key=key, Body=changed, **checksum)  # type: ignore[arg-type]
        assert refused.value.response["Error"]["Code"] == "BadDigest"
    assert not await store.exists(key)


async def test_a_wrong_secret_key_is_refused_not_retried(object_store_settings: CommonSettings) -> None:
    wrong = object_store_settings.model_copy(update={"object_store_secret_key": SecretStr("not-the-key-" * 3)})
    s3 = S3ObjectStore.from_settings(wrong)
    try:
        with pytest.raises(ObjectStoreRefusedError) as refused:
            await s3.put(object_key("0" * 64), b"x", "application/pdf")
    finally:
        await s3.close()
    assert refused.value.code in {"SignatureDoesNotMatch", "AccessDenied", "InvalidAccessKeyId"}


async def test_ensure_bucket_creates_a_missing_bucket_and_is_harmless_again(
    object_store_settings: CommonSettings,
) -> None:
    bucket = f"lienthong-it-{uuid.uuid4().hex[:12]}"
    s3 = S3ObjectStore.from_settings(object_store_settings.model_copy(update={"object_store_bucket": bucket}))
    try:
        with pytest.raises(ObjectStoreRefusedError):  # NoSuchBucket: no bucket, no put
            await s3.put(object_key("1" * 64), b"x", "application/pdf")
        await s3.ensure_bucket()
        await s3.ensure_bucket()
        await s3.put(object_key("1" * 64), b"x", "application/pdf")
        assert await s3.get(object_key("1" * 64)) == b"x"
        client = await s3.client()
        await client.delete_object(Bucket=bucket, Key=object_key("1" * 64))
        await client.delete_bucket(Bucket=bucket)
    finally:
        await s3.close()


@contextlib.contextmanager
def _closed_port() -> Iterator[int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    yield port


@contextlib.contextmanager
def _silent_server() -> Iterator[int]:
    """A server that accepts connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


@pytest.mark.parametrize("server", [_closed_port, _silent_server], ids=["closed port", "never answers"])
async def test_a_server_not_there_or_silent_is_unavailable(
    object_store_settings: CommonSettings, server: Callable[[], contextlib.AbstractContextManager[int]]
) -> None:
    with server() as port:
        gone = object_store_settings.model_copy(update={"object_store_url": f"http://127.0.0.1:{port}"})
        s3 = S3ObjectStore.from_settings(gone, connect_timeout=1, read_timeout=1, attempts=1)
        try:
            key = object_key("2" * 64)
            calls: list[Callable[[], Awaitable[object]]] = [
                lambda: s3.put(key, b"x", "application/pdf"),
                lambda: s3.get(key),
                lambda: s3.exists(key),
                s3.ensure_bucket,
            ]
            for call in calls:
                with pytest.raises(ObjectStoreUnavailableError):
                    await asyncio.wait_for(call(), 15)
        finally:
            await s3.close()
