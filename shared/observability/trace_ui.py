"""Links from a dossier to its traces in the trace UI (Zipkin locally, Jaeger in docker-compose).

``LIENTHONG_TRACE_URL`` is a template with ``{trace_id}``: the local Zipkin's by default,
``http://localhost:16686/trace/{trace_id}`` for the Jaeger of docker-compose.
"""

from urllib.parse import quote

import asyncpg
from pydantic import Field

from shared.kernel.settings import CommonSettings
from shared.observability.dossier_tracing import DOSSIER_CODE

LOCAL_ZIPKIN_TRACE_URL = "http://127.0.0.1:19411/zipkin/traces/{trace_id}"


class TraceUiSettings(CommonSettings):
    """Where the trace UI is, beside the common settings."""

    trace_url: str = Field(default=LOCAL_ZIPKIN_TRACE_URL, description="trace page template with {trace_id}")


def trace_id_of(traceparent: str | None) -> str | None:
    """The trace id of a W3C ``traceparent`` (``00-<trace id>-<span id>-<flags>``)."""
    parts = (traceparent or "").split("-")
    return parts[1] if len(parts) == 4 and len(parts[1]) == 32 else None


def trace_url(trace_id: str, template: str = LOCAL_ZIPKIN_TRACE_URL) -> str:
    """The trace page of ``trace_id``."""
    return template.format(trace_id=trace_id)


def dossier_search_url(code: str, template: str = LOCAL_ZIPKIN_TRACE_URL) -> str | None:
    """A Zipkin search for every trace whose spans carry the dossier's code (None for other UIs)."""
    if "/zipkin/traces/" not in template:
        return None
    base = template.split("/zipkin/traces/")[0]
    return f"{base}/zipkin/?annotationQuery={quote(f'{DOSSIER_CODE}={code}')}&lookback=604800000&limit=50"


async def submission_trace_id(connection: asyncpg.Connection, code: str) -> str | None:
    """The trace the dossier was submitted in: that of intake's first event about it."""
    traceparent = await connection.fetchval(
        "SELECT trace_carrier->>'traceparent' FROM intake.outbox WHERE headers->>'ce_subject' = $1 ORDER BY id LIMIT 1",
        code,
    )
    return trace_id_of(traceparent)
