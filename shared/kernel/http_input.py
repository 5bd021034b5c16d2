"""What every service refuses at its HTTP edge, before anything reaches PostgreSQL.

PostgreSQL's text cannot hold U+0000, and UTF-8 cannot encode a lone surrogate (``"\\ud800"`` in a JSON
string); an aware time whose UTC value falls outside years 1-9999 cannot be sent to the database at all,
nor can an integer beyond 64 bits. Such input is the client's mistake: a 422 problem naming the field,
never a 500 from the depths of a query.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Request
from pydantic import AfterValidator, AwareDatetime

from shared.kernel.http_problems import UNSTORABLE, ProblemError, field_error, shown

INT8_MAX = 2**63 - 1
UNSTORABLE_REASON = "contains a character that cannot be stored (U+0000 or a lone surrogate)"


def _in_body(value: Any, location: str) -> list[dict[str, str]]:
    if isinstance(value, str):
        return [field_error(location or "body", UNSTORABLE_REASON)] if UNSTORABLE.search(value) else []
    if isinstance(value, list):
        return [error for index, item in enumerate(value) for error in _in_body(item, _join(location, str(index)))]
    if isinstance(value, dict):
        errors = []
        for key, item in value.items():
            inside = _join(location, shown(key))
            if UNSTORABLE.search(key):
                errors.append(field_error(inside, "its name " + UNSTORABLE_REASON))
            errors.extend(_in_body(item, inside))
        return errors
    return []


def _join(location: str, name: str) -> str:
    return f"{location}.{name}" if location else name


async def _json_body(request: Request) -> Any:
    """The request's JSON body, or None when it has none (or none FastAPI would read as JSON)."""
    if request.method in ("GET", "HEAD", "DELETE", "OPTIONS"):
        return None
    if "json" not in request.headers.get("content-type", "application/json"):
        return None
    if not await request.body():
        return None
    try:
        return await request.json()  # parsed once: FastAPI reads the same cached value
    except ValueError:  # FastAPI answers its own 400 for a malformed body the route reads
        return None


async def refuse_unstorable_input(request: Request) -> None:
    """Every route's first dependency: 422 naming each path, query, header or body field holding U+0000 or a
    lone surrogate. Final: the same request is refused again."""
    errors = [
        field_error(f"path.{name}", UNSTORABLE_REASON)
        for name, value in request.path_params.items()
        if isinstance(value, str) and UNSTORABLE.search(value)
    ]
    errors += [
        field_error(f"query.{shown(name)}", UNSTORABLE_REASON)
        for name, value in request.query_params.multi_items()
        if UNSTORABLE.search(name + value)
    ]
    errors += [field_error(name, UNSTORABLE_REASON) for name, value in request.headers.items() if "\x00" in value]
    errors += _in_body(await _json_body(request), "")
    if errors:
        raise ProblemError(422, "Invalid request", errors)


def _convertible_to_utc(moment: datetime) -> datetime:
    try:
        moment.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("lies outside the years 1-9999 once converted to UTC") from error
    return moment


StorableDatetime = Annotated[AwareDatetime, AfterValidator(_convertible_to_utc)]
"""An aware time the database can store: its UTC value within years 1-9999."""


def storable_datetime(text: str) -> datetime | None:
    """The aware, storable time ``text`` holds in ISO 8601, or None."""
    try:
        moment = datetime.fromisoformat(text)
        return _convertible_to_utc(moment) if moment.tzinfo is not None else None
    except ValueError:
        return None
