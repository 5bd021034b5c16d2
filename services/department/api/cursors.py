"""Opaque page cursors: base64url JSON of where the previous page ended."""

import base64
import binascii
import json
from typing import Any
from uuid import UUID

from services.department.adapters.repository import InboxPosition
from services.department.escalation.overdue import OverduePosition
from shared.kernel.http_input import INT8_MAX, storable_datetime
from shared.kernel.http_problems import ProblemError, field_error


def _encode(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as error:
        raise _bad_cursor() from error


def _bad_cursor() -> ProblemError:
    return ProblemError(422, "Invalid request", [field_error("query.cursor", "not a cursor this API gave out")])


def inbox_cursor(position: InboxPosition) -> str:
    due = position.due_at.isoformat() if position.due_at else None
    return _encode(["inbox", due, position.assigned_at.isoformat(), str(position.task_id)])


def inbox_position(cursor: str) -> InboxPosition:
    match _decode(cursor):
        case ["inbox", str() | None as due, str(assigned), str(task_id)]:
            due_at = storable_datetime(due) if due else None
            assigned_at = storable_datetime(assigned)
            if (due and due_at is None) or assigned_at is None:
                raise _bad_cursor()
            try:
                return InboxPosition(due_at, assigned_at, UUID(task_id))
            except ValueError as error:
                raise _bad_cursor() from error
        case _:
            raise _bad_cursor()


def audit_cursor(before_id: int) -> str:
    return _encode(["audit", before_id])


def audit_before(cursor: str) -> int:
    match _decode(cursor):
        case ["audit", int(before_id)] if 0 < before_id <= INT8_MAX:
            return before_id
        case _:
            raise _bad_cursor()


def overdue_cursor(position: OverduePosition) -> str:
    return _encode(["overdue", position.due_at.isoformat(), str(position.task_id)])


def overdue_position(cursor: str) -> OverduePosition:
    match _decode(cursor):
        case ["overdue", str(due), str(task_id)]:
            due_at = storable_datetime(due)
            if due_at is None:
                raise _bad_cursor()
            try:
                return OverduePosition(due_at, UUID(task_id))
            except ValueError as error:
                raise _bad_cursor() from error
        case _:
            raise _bad_cursor()
