"""What is wrong with a payload pydantic refused, told without the values it was given.

``str(ValidationError)`` quotes each refused value (``input_value=…``), and the message of
a validator the code wrote (``value_error``) is whatever its author put in it, often the
value. A reason that goes where operators read it (a dead letter's headers, a log line, a
span) names the field, the kind of error and pydantic's own wording, never the value: it may
be an applicant's citizen ID, name, phone or e-mail.
"""

import typing

from pydantic import ValidationError
from pydantic_core import ErrorDetails, core_schema

_PYDANTIC_ERROR_TYPES = frozenset(typing.get_args(core_schema.ErrorType))
"""pydantic-core's own error types; any other type is a ``PydanticCustomError`` someone wrote."""

QUOTING_ERROR_TYPES = frozenset(
    {"value_error", "assertion_error", "union_tag_invalid", "get_attribute_error", "iteration_error"}
)
"""pydantic-core's error types whose message carries text taken from the input or a validator's own error."""


def field_path(error: ErrorDetails) -> str:
    """The dotted place of one error (``applicant.phone``), ``(body)`` for the payload as a whole."""
    return ".".join(str(part) for part in error["loc"]) or "(body)"


def safe_message(error: ErrorDetails) -> str:
    """pydantic's wording of one error, or only its type when that wording may quote the value."""
    kind = error["type"]
    if kind in QUOTING_ERROR_TYPES or kind not in _PYDANTIC_ERROR_TYPES:
        return kind
    return f"{error['msg']} ({kind})"


def validation_reason(error: ValidationError, *, limit: int = 5) -> str:
    """``field: message (type); …`` for the first ``limit`` errors, with no input value in it."""
    details = error.errors(include_input=False, include_url=False, include_context=False)
    told = "; ".join(f"{field_path(e)}: {safe_message(e)}" for e in details[:limit])
    more = f"; and {len(details) - limit} more" if len(details) > limit else ""
    return told + more
