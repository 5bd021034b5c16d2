"""Which handler failures heal by themselves and which never will: the one classification.

- **Transient**: the database or the broker is unavailable or busy for a while — the
  connection is refused, reset or lost, PostgreSQL is starting, shutting down or out of
  connections, a serialization failure or deadlock rolled the transaction back, a lock or
  statement timed out, a pool acquire or any other wait timed out, a Kafka error Kafka itself
  calls retriable. The same message will succeed once the fault is gone: it is retried with
  backoff for as long as the fault lasts, never dead-lettered.
- **Final**: the message can never be handled — its envelope or body cannot be decoded or
  is invalid, its event type is unknown, or the handler refused it by a rule (a
  ``ValueError`` or ``LookupError``: the services' own rule errors derive from these, as do
  pydantic's ``ValidationError`` and JSON and Unicode decoding errors), or PostgreSQL refused
  its data (class 22). It is dead-lettered at once.
- **Unknown**: anything else (a bug, a constraint violation that may have been a race): tried
  ``LIENTHONG_HANDLER_ATTEMPTS`` times with backoff, then dead-lettered.
"""

import enum
import socket

import asyncpg
from aiokafka import errors as kafka_errors


class Failure(enum.Enum):
    TRANSIENT = "transient"
    FINAL = "final"
    UNKNOWN = "unknown"


_TRANSIENT_POSTGRES: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.PostgresConnectionError,  # class 08: connection refused, lost, rejected
    asyncpg.exceptions.OperatorInterventionError,  # class 57: cannot connect now, admin shutdown, query cancelled
    asyncpg.exceptions.TransactionRollbackError,  # class 40: serialization failure, deadlock detected
    asyncpg.exceptions.InsufficientResourcesError,  # class 53: too many connections, disk full, out of memory
    asyncpg.exceptions.LockNotAvailableError,  # 55P03: lock_timeout
)
_TRANSIENT_NETWORK: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused, reset, aborted, broken pipe
    TimeoutError,  # asyncio.TimeoutError too: a pool acquire or any awaited operation timed out
    socket.gaierror,  # the host name does not resolve (yet)
    kafka_errors.KafkaConnectionError,
    kafka_errors.KafkaTimeoutError,  # not marked retriable by aiokafka, but a wait that ran out
)
_FINAL: tuple[type[BaseException], ...] = (
    ValueError,  # MalformedEventError, ValidationError, JSONDecodeError, UnicodeDecodeError, rule errors
    LookupError,  # unknown dossier, task, procedure, unit
    asyncpg.exceptions.DataError,  # class 22: a value PostgreSQL cannot store (NUL, out of range)
)


def classify(error: Exception) -> Failure:
    """Transient, final or unknown; see the module's description."""
    if isinstance(error, _TRANSIENT_POSTGRES + _TRANSIENT_NETWORK):
        return Failure.TRANSIENT
    if type(error) is OSError:  # "Multiple exceptions: ... Connect call failed" when every address refused
        return Failure.TRANSIENT
    if isinstance(error, kafka_errors.KafkaError) and error.retriable:
        return Failure.TRANSIENT
    if isinstance(error, _FINAL):
        return Failure.FINAL
    return Failure.UNKNOWN
