"""Schemathesis hooks (``SCHEMATHESIS_HOOKS``) that make some generated requests hostile in the ways that once
reached PostgreSQL and answered 500: NUL characters and lone surrogates, line breaks (header injection),
instants whose UTC value falls outside years 1-9999, integers beyond 64 bits, forged page cursors.

About half the cases keep what schemathesis generated; the others have one path, query or body value
replaced by a hostile one of its kind. Drawn with hypothesis, so a run is reproducible from its seed.
"""

import base64
import copy
import json
from datetime import datetime
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis import Case, HookContext

# A name no test applicant has: the fuzzer puts these in URLs, which spans record, and
# tests/e2e/test_operator_traces.py checks that no span of the run holds a test applicant's name.
TEXT = ["\x00", "Đỗ Văn Fuzz\x00", "fuzz@example.vn\r\nBcc: everyone@example.vn", "Đỗ Văn\nFuzz"]
# Schemathesis cannot hold a lone surrogate in a case (it encodes values to UTF-8 to validate them): the body
# carries this marker, sent as the JSON escape "\ud800" (see before_call). Never in a URL, which is UTF-8.
LONE_SURROGATE = "<lone-surrogate>"
BODY_TEXT = [*TEXT, LONE_SURROGATE, f"Fuzz{LONE_SURROGATE}"]
INSTANTS = ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9999-12-31T20:00:00-05:00"]
INTEGERS = [2**63, -(2**63) - 1, 10**30]


def _cursor(position: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


CURSORS = [
    _cursor(["audit", 2**63]),
    _cursor(["audit", 10**30]),
    _cursor(["inbox", INSTANTS[0], "2025-08-14T08:00:00+07:00", "0b5e8d5e-5a8b-4f5e-9d6f-3a1c2b4d5e6f"]),
    _cursor(["inbox", None, INSTANTS[1], "0b5e8d5e-5a8b-4f5e-9d6f-3a1c2b4d5e6f"]),
    "AAAA",
]


def _is_instant(value: Any) -> bool:
    try:
        datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


def hostile_values(name: str, value: Any, *, in_body: bool) -> list[Any]:
    """What to put in place of ``value`` (the field ``name``): values of its kind that must be refused."""
    if name == "cursor":
        return CURSORS
    if isinstance(value, bool):
        return BODY_TEXT if in_body else TEXT
    if isinstance(value, int) or (isinstance(value, str) and value.lstrip("-").isdigit() and len(value) < 19):
        return INTEGERS
    if _is_instant(value):
        return INSTANTS
    return BODY_TEXT if in_body else TEXT


def _body_slots(value: Any, path: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [slot for key, item in value.items() for slot in _body_slots(item, (*path, key))]
    if isinstance(value, list):
        return [slot for index, item in enumerate(value) for slot in _body_slots(item, (*path, index))]
    return [path] if path and value is not None else []


def _slots(case: Case[Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """Every value of the case that can be made hostile: (container, path inside it)."""
    slots = [("path_parameters", (name,)) for name in case.path_parameters or {}]
    slots += [("query", (name,)) for name in case.query or {}]
    if isinstance(case.body, dict | list):
        slots += [("body", path) for path in _body_slots(case.body, ())]
    return slots


def _tainted(case: Case[Any], slot: tuple[str, tuple[Any, ...]], choice: int) -> Case[Any]:
    container, path = slot
    values = copy.deepcopy(getattr(case, container))
    holder = values
    for step in path[:-1]:
        holder = holder[step]
    name = str(path[-1])
    candidates = hostile_values(name, holder[path[-1]], in_body=container == "body")
    holder[path[-1]] = candidates[choice % len(candidates)]
    tainted = case.derive(keep_auth=True)
    setattr(tainted, container, values)
    return tainted


@schemathesis.hook
def flatmap_case(context: HookContext, case: Case[Any]) -> st.SearchStrategy[Case[Any]]:
    slots = _slots(case)
    if not slots:
        return st.just(case)
    hostile = st.tuples(st.sampled_from(slots), st.integers(min_value=0, max_value=len(BODY_TEXT) * 4))
    return st.one_of(st.just(case), hostile.map(lambda drawn: _tainted(case, *drawn)))


@schemathesis.hook
def before_call(context: HookContext, case: Case[Any], kwargs: dict[str, Any]) -> None:
    """A body holding the surrogate marker is sent as JSON text with a lone surrogate in its place."""
    if isinstance(case.body, dict | list):
        text = json.dumps(case.body)
        if LONE_SURROGATE in text:
            kwargs["data"] = text.replace(LONE_SURROGATE, "\\ud800").encode()
