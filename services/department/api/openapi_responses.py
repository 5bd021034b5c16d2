"""The documented error answers of the clerk API, each a problem document (RFC 9457)."""

from typing import Any

from shared.kernel.http_problems import problems as problem_responses

_MEANING = {
    400: "Malformed JSON (field `body`).",
    401: "No bearer token, or one that is unsigned, not RS256, wrongly signed, expired, or for another issuer"
    " or audience.",
    403: "The clerk sees the task but none of their roles allows this.",
    404: "No such task or unit among the clerk's units (another unit's task is not found, never forbidden).",
    409: "Stale `If-Match`, an action the task's state does not allow, or an `Idempotency-Key` reused for another"
    " request.",
    422: "A field is missing or invalid; each error names it.",
    428: "`If-Match` with the task's ETag is required.",
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """FastAPI ``responses`` for these status codes, documented as problem details."""
    return problem_responses(_MEANING, *codes)
