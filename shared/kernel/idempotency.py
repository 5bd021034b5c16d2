"""``Idempotency-Key`` support: the first answer to a key is stored and replayed.

The answer is stored in the same transaction as the command's effect. Two requests
racing with one key: the second blocks on the key's primary key until the first
commits, fails with a unique violation, and then replays the stored answer.
"""

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg


class IdempotencyKeyReusedError(ValueError):
    """The key was already used for a different request."""


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: Any


def request_fingerprint(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


async def stored_answer(
    connection: asyncpg.Connection, client_id: str, key: str, fingerprint: str
) -> StoredAnswer | None:
    """The answer first given to ``key``, or None; raises if the key served another request."""
    row = await connection.fetchrow(
        "SELECT request_hash, status_code, response FROM idempotency_keys WHERE client_id = $1 AND key = $2",
        client_id,
        key,
    )
    if row is None:
        return None
    if row["request_hash"] != fingerprint:
        raise IdempotencyKeyReusedError(f"Idempotency-Key {key!r} was already used for a different request")
    return StoredAnswer(row["status_code"], json.loads(row["response"]))


async def store_answer(
    connection: asyncpg.Connection, client_id: str, key: str, fingerprint: str, answer: StoredAnswer
) -> None:
    await connection.execute(
        "INSERT INTO idempotency_keys (client_id, key, request_hash, status_code, response)"
        " VALUES ($1, $2, $3, $4, $5)",
        client_id,
        key,
        fingerprint,
        answer.status_code,
        json.dumps(answer.body),
    )


Action = Callable[[asyncpg.Connection], Awaitable[StoredAnswer]]


async def answer_once(
    pool: asyncpg.Pool, client_id: str, key: str | None, fingerprint: str, action: Action
) -> StoredAnswer:
    """Run ``action`` in a transaction, unless ``key`` was answered before: then replay that answer.

    Errors raised by ``action`` roll everything back and store nothing.
    """
    for attempt in range(2):
        try:
            async with pool.acquire() as connection, connection.transaction():
                if key:
                    previous = await stored_answer(connection, client_id, key, fingerprint)
                    if previous:
                        return previous
                answer = await action(connection)
                if key:
                    await store_answer(connection, client_id, key, fingerprint, answer)
                return answer
        except asyncpg.UniqueViolationError:
            if not key or attempt:
                raise
    raise AssertionError("unreachable")
