"""A handler's failure as operators read it: in a dead letter's ``dlq_error``, a log line, a span.

The text of some errors quotes the data that failed, and a message's data may be an
applicant's citizen ID, name, phone or e-mail:

- pydantic's ``ValidationError`` quotes each refused value: the reason names the field and
  the kind of error instead (:func:`shared.contracts.validation_reasons.validation_reason`);
- PostgreSQL's ``DETAIL`` quotes the failing row or key (``Failing row contains (…)``), and
  the message of a data error quotes the value (``invalid input syntax for type uuid: "…"``):
  the reason keeps the message only for the classes whose messages name database objects,
  never values, and otherwise names the SQLSTATE and the objects (table, column, constraint);
- anything else is told as it is, with citizen ID and phone numbers masked.
"""

import asyncpg
from pydantic import ValidationError

from shared.contracts.validation_reasons import validation_reason
from shared.observability.logging_setup import redact

REASON_LIMIT = 2000
"""Characters kept of a reason (a dead-letter header, not a document)."""

_OBJECT_NAMING_CLASSES = frozenset({"08", "23", "40", "42", "53", "55", "57"})
"""SQLSTATE classes whose messages name only objects: connection, integrity constraint,
transaction rollback, syntax or access rule, resources, object state, operator intervention."""

_OBJECTS = ("schema_name", "table_name", "column_name", "constraint_name", "data_type_name")


def failure_reason(error: BaseException) -> str:
    """``<error type>: <what went wrong>``, without the values the failing data held."""
    if isinstance(error, ValidationError):
        told = f"{error.error_count()} validation error(s) for {error.title}: {validation_reason(error)}"
    elif isinstance(error, asyncpg.PostgresError):
        told = _postgres_reason(error)
    else:
        told = redact(str(error))
    return f"{type(error).__name__}: {told}"[:REASON_LIMIT]


def _postgres_reason(error: asyncpg.PostgresError) -> str:
    sqlstate = str(getattr(error, "sqlstate", None) or "")
    objects = ", ".join(
        f"{name.removesuffix('_name')} {value}" for name in _OBJECTS if (value := getattr(error, name, None))
    )
    message = error.args[0] if error.args and sqlstate[:2] in _OBJECT_NAMING_CLASSES else ""
    said = "; ".join(part for part in (str(message), objects) if part)
    return f"SQLSTATE {sqlstate or '?'}" + (f": {said}" if said else "")
