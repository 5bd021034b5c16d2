"""The object store's contract on the in-memory store of the fast tier (the S3 server keeps it too:
tests/integration/test_object_store.py), and what the memory store adds for tests."""

from collections.abc import Awaitable, Callable

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from shared.kernel.failures import Failure, classify
from shared.kernel.object_store import ObjectNotFoundError, ObjectStoreUnavailableError
from shared.kernel.s3_object_store import ObjectStoreRefusedError, s3_errors
from tests.support.object_store import CONTRACT, Download, LinkRefusedError, MemoryObjectStore, StoreUnderTest


class Now:
    """A clock in seconds that the test moves."""

    def __init__(self) -> None:
        self.seconds = 1_800_000_000.0

    def __call__(self) -> float:
        return self.seconds


def _under_test() -> StoreUnderTest:
    now = Now()
    store = MemoryObjectStore(clock=now)

    async def download(link: str) -> Download | None:
        try:
            return store.open_link(link)
        except LinkRefusedError:
            return None

    async def wait(seconds: float) -> None:
        now.seconds += seconds

    return StoreUnderTest(store, download, wait)


@pytest.mark.parametrize("check", CONTRACT, ids=lambda check: check.__name__)
async def test_the_memory_store_keeps_the_contract(check: Callable[[StoreUnderTest], Awaitable[None]]) -> None:
    await check(_under_test())


async def test_a_store_switched_off_fails_as_unavailable() -> None:
    store = MemoryObjectStore()
    await store.put("k", b"body", "application/pdf")
    store.available = False
    with pytest.raises(ObjectStoreUnavailableError):
        await store.get("k")
    with pytest.raises(ObjectStoreUnavailableError):
        await store.put("k", b"body", "application/pdf")


async def test_a_link_is_refused_when_its_expiry_is_moved() -> None:
    store = MemoryObjectStore()
    await store.put("k", b"body", "application/pdf")
    link = await store.presigned_get("k", expires_seconds=10, filename="a.pdf", media_type="application/pdf")
    expires = link.split("expires=")[1].split("&")[0]
    with pytest.raises(LinkRefusedError, match="altered"):
        store.open_link(link.replace(f"expires={expires}", f"expires={int(expires) + 3600}"))


def _answer(status: int, code: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code},
            "ResponseMetadata": {
                "HTTPStatusCode": status,
                "HTTPHeaders": {},
                "HostId": "",
                "RequestId": "",
                "RetryAttempts": 0,
            },
        },
        "PutObject",
    )


@pytest.mark.parametrize(
    ("answer", "raised"),
    [
        (_answer(503, "SlowDown"), ObjectStoreUnavailableError),
        (_answer(500, "InternalError"), ObjectStoreUnavailableError),
        (_answer(404, "NoSuchKey"), ObjectNotFoundError),
        (_answer(404, "404"), ObjectNotFoundError),  # a HEAD answers with no body, hence no code
        (_answer(404, "NoSuchBucket"), ObjectStoreRefusedError),
        (_answer(403, "SignatureDoesNotMatch"), ObjectStoreRefusedError),
        (_answer(400, "BadDigest"), ObjectStoreRefusedError),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), ObjectStoreUnavailableError),
        (ReadTimeoutError(endpoint_url="http://127.0.0.1:1"), ObjectStoreUnavailableError),
    ],
)
def test_the_s3_answers_are_told_apart_as_transient_missing_or_refused(
    answer: Exception, raised: type[Exception]
) -> None:
    with pytest.raises(raised), s3_errors("put", "sha256/ab/abc"):
        raise answer


def test_an_unavailable_store_is_transient_and_a_missing_object_final() -> None:
    assert classify(ObjectStoreUnavailableError("down")) is Failure.TRANSIENT
    assert classify(ObjectNotFoundError("k")) is Failure.FINAL
