"""The object store on an S3-compatible server (S3Proxy locally, MinIO in compose, any S3 in a deployment).

One async client (aiobotocore) per store, opened on first use and kept until :meth:`S3ObjectStore.close`.
Failures are told apart as the kernel's classification wants them (``shared.kernel.failures``):

- the server cannot be reached, the connection breaks, a request times out, or it answers 5xx
  or "slow down": :class:`ObjectStoreUnavailableError` (transient, try again later);
- nothing under the key: :class:`ObjectNotFoundError`;
- anything else it refuses (a wrong key or signature, a body whose checksum does not match, a
  missing bucket): :class:`ObjectStoreRefusedError`, naming the server's error code.

Every ``put`` carries the body's SHA-256 (``x-amz-checksum-sha256``) and MD5 (``Content-MD5``), so a
body changed on the way is refused by the server rather than stored.
"""

import base64
import contextlib
import hashlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import quote

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import ClientError, ConnectionError, HTTPClientError
from botocore.handlers import add_expect_header

from shared.kernel.object_store import ObjectNotFoundError, ObjectStoreUnavailableError
from shared.kernel.settings import CommonSettings

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client

log = logging.getLogger(__name__)

_NOT_FOUND = frozenset({"NoSuchKey", "404", "NotFound"})
_BUSY = frozenset({"SlowDown", "ServiceUnavailable", "RequestTimeout", "InternalError", "RequestTimeTooSkewed"})
_BUCKET_EXISTS = frozenset({"BucketAlreadyOwnedByYou", "BucketAlreadyExists"})


class ObjectStoreRefusedError(RuntimeError):
    """The object store refused the request for a reason waiting will not cure (credentials, checksum, bucket)."""

    def __init__(self, code: str, operation: str) -> None:
        super().__init__(f"the object store refused {operation}: {code}")
        self.code = code


class S3ObjectStore:
    """:class:`shared.kernel.object_store.ObjectStore` on one bucket of an S3-compatible server."""

    def __init__(
        self,
        *,
        url: str,
        bucket: str,
        region: str,
        access_key: str | None,
        secret_key: str | None,
        connect_timeout: float = 3.0,
        read_timeout: float = 30.0,
        attempts: int = 2,
    ) -> None:
        self.url = url
        self.bucket = bucket
        self._client_args: dict[str, Any] = {
            "endpoint_url": url,
            "region_name": region,
            "aws_access_key_id": access_key,
            "aws_secret_access_key": secret_key,
            "config": AioConfig(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                # Our own retries live in the callers (transient failures); one quick retry here smooths a blip.
                retries={"total_max_attempts": attempts, "mode": "standard"},
                # The checksums are ours (put); botocore's default CRC32 trailers are not understood by every server.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        }
        self._exit = contextlib.AsyncExitStack()
        self._client: S3Client | None = None

    @classmethod
    def from_settings(
        cls, settings: CommonSettings, *, connect_timeout: float = 3.0, read_timeout: float = 30.0, attempts: int = 2
    ) -> Self:
        """The store the settings name (``LIENTHONG_OBJECT_STORE_URL``, ``_BUCKET``, ``_REGION``, ``_ACCESS_KEY``,
        ``_SECRET_KEY``)."""
        secret = settings.object_store_secret_key
        return cls(
            url=settings.object_store_url,
            bucket=settings.object_store_bucket,
            region=settings.object_store_region,
            access_key=settings.object_store_access_key,
            secret_key=secret.get_secret_value() if secret else None,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            attempts=attempts,
        )

    async def client(self) -> "S3Client":
        """The aiobotocore client underneath (opened on first use), for what the port does not say: tools, tests."""
        if self._client is None:
            client = await self._exit.enter_async_context(get_session().create_client("s3", **self._client_args))
            # botocore asks for "100 Continue" before a body, and aiohttp waits for it with no timeout: a server that
            # accepts the connection and never answers would hang a put for ever. Bodies are small; send them.
            client.meta.events.unregister("before-call.s3", add_expect_header)
            self._client = client
        return self._client

    async def put(self, key: str, body: bytes, media_type: str) -> None:
        s3 = await self.client()
        with s3_errors("put", key):
            await s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentType=media_type,
                ContentMD5=base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode(),
                ChecksumSHA256=base64.b64encode(hashlib.sha256(body).digest()).decode(),
            )

    async def get(self, key: str) -> bytes:
        s3 = await self.client()
        with s3_errors("get", key):
            response = await s3.get_object(Bucket=self.bucket, Key=key)
            async with response["Body"] as stream:
                body: bytes = await stream.read()
                return body

    async def exists(self, key: str) -> bool:
        s3 = await self.client()
        try:
            with s3_errors("head", key):
                await s3.head_object(Bucket=self.bucket, Key=key)
        except ObjectNotFoundError:
            return False
        return True

    async def presigned_get(self, key: str, *, expires_seconds: int, filename: str, media_type: str) -> str:
        """A V4 pre-signed GET, computed locally (no request): the server answers with ``media_type`` and a
        ``Content-Disposition`` naming ``filename`` (UTF-8 names kept, RFC 6266)."""
        s3 = await self.client()
        url: str = await s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentType": media_type,
                "ResponseContentDisposition": _attachment(filename),
            },
            ExpiresIn=expires_seconds,
        )
        return url

    async def ensure_bucket(self) -> None:
        """Create the bucket when it is missing (start-up; harmless when it exists)."""
        s3 = await self.client()
        with s3_errors("head bucket", self.bucket):
            try:
                await s3.head_bucket(Bucket=self.bucket)
                return
            except ClientError as error:
                if _code(error) not in _NOT_FOUND and _code(error) != "NoSuchBucket":
                    raise
        try:
            with s3_errors("create bucket", self.bucket):
                await s3.create_bucket(Bucket=self.bucket)
        except ObjectStoreRefusedError as error:
            if error.code not in _BUCKET_EXISTS:  # made meanwhile by another instance
                raise
        log.info("object store: bucket %s created at %s", self.bucket, self.url)

    async def prepare(self) -> None:
        """For a service's ``on_start``: the bucket made if missing; an unreachable store is only logged (uploads
        fail as transient until it is back), so a service still starts while the store is down."""
        try:
            await self.ensure_bucket()
        except ObjectStoreUnavailableError as error:
            log.warning(
                "object store at %s unavailable at start (%s); documents wait until it is back", self.url, error
            )

    async def close(self) -> None:
        await self._exit.aclose()
        self._client = None


def _attachment(filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


@contextlib.contextmanager
def s3_errors(operation: str, key: str) -> Iterator[None]:
    """botocore's errors as the port's: see the module's description."""
    try:
        yield
    except ClientError as error:
        code = _code(error)
        if code in _NOT_FOUND or (_status(error) == 404 and code != "NoSuchBucket"):
            raise ObjectNotFoundError(key) from error
        if _status(error) >= 500 or code in _BUSY:
            raise ObjectStoreUnavailableError(
                f"the object store failed {operation}: {code or _status(error)}"
            ) from error
        raise ObjectStoreRefusedError(code or str(_status(error)), operation) from error
    # botocore's ConnectionError (refused, connect timeout) and HTTPClientError (reset, read timeout), not the builtin.
    except (ConnectionError, HTTPClientError, OSError, TimeoutError) as error:
        raise ObjectStoreUnavailableError(f"the object store did not answer {operation}: {error}") from error
