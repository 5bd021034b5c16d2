"""Links from a dossier to its traces in the trace UI (Zipkin locally, Jaeger in docker-compose).

``LIENTHONG_TRACE_URL`` is a template with ``{trace_id}``: the local Zipkin's by default,
``http://localhost:16686/trace/{trace_id}`` for the Jaeger of docker-compose.
"""

from urllib.parse import quote

import httpx
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


async def submission_trace_id(
    http: httpx.AsyncClient, intake_url: str, code: str, *, bearer: str | None = None
) -> str | None:
    """The trace the dossier was submitted in: that of intake's first event about it (None: intake has none).

    Asked of intake's operator API (``GET /v1/dossiers/{code}/published-events``) at ``intake_url``,
    with ``bearer``, a token of the ``operator`` scope.
    """
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    path = f"/v1/dossiers/{quote(code, safe='')}/published-events"
    answer = await http.get(intake_url.rstrip("/") + path, headers=headers)
    answer.raise_for_status()
    events = answer.json()
    return str(events[0]["trace_id"]) if events and events[0]["trace_id"] else None
