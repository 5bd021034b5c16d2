"""A trace of the test's own, so its spans can be picked out of everything the stack exports."""

import secrets
from typing import Any

import httpx
from stack import ServiceStack

from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, act, ledger, open_task, submit
from tests.support.journey import hand_over


def new_trace() -> tuple[str, str]:
    """A fresh trace id and the W3C ``traceparent`` header that starts a request in it."""
    trace_id = secrets.token_hex(16)
    return trace_id, f"00-{trace_id}-{secrets.token_hex(8)}-01"


async def traced_approved_birth(
    http: httpx.AsyncClient, stack: ServiceStack, dossier: dict[str, Any] = BIRTH_IN_QUYNH_LUU
) -> dict[str, str]:
    """A birth dossier (``dossier``) submitted in a new trace, approved by the commune office and its signed result
    handed over at the counter: its journey over.

    Returns its ``code``, the submission's ``trace_id`` and the approved ``task_id``.
    """
    trace_id, traceparent = new_trace()
    code = (await submit(http, stack.url("intake"), dossier, traceparent=traceparent))["code"]
    task = await open_task(http, stack.url("department"), "17179.VP", code)
    await act(http, stack.url("department"), task, "approve")
    await hand_over(http, stack.url("intake"), code)
    await ledger(http, stack.url("notification"), code, 4)
    return {"code": code, "trace_id": trace_id, "task_id": str(task["id"])}
