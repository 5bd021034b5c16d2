"""Links to each dossier's trace in the local Zipkin, for ``make demo`` (and by hand).

    python deploy/local/trace_links.py <dossier code>...

From the demo: ``print_trace_links(codes)`` once the dossiers are filed. The trace id is
that of intake's first event about the dossier (its submission), asked of intake at
``LIENTHONG_INTAKE_URL`` (by default its local port) with the operator's token (taken as the
CLI takes it, see ``operations.tokens``); the link is checked against Zipkin,
which gets the spans a moment after the services finish them.
"""

import asyncio
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass

import httpx

from operations.service_api import service_url
from operations.tokens import OperatorCredentials, OperatorToken
from shared.observability.trace_ui import TraceUiSettings, dossier_search_url, submission_trace_id, trace_url

NOT_EXPORTED = "were the services started without OTEL_EXPORTER_ZIPKIN_ENDPOINT? make down && make demo"


@dataclass(frozen=True)
class TraceLink:
    """Where an operator sees one dossier's journey."""

    code: str
    trace_id: str | None
    url: str | None
    all_traces_url: str | None
    in_ui: bool


def _settings() -> TraceUiSettings:
    port = os.environ.get("LIENTHONG_ZIPKIN_PORT", "19411")
    return TraceUiSettings(
        trace_url=os.environ.get("LIENTHONG_TRACE_URL", f"http://127.0.0.1:{port}/zipkin/traces/{{trace_id}}")
    )


async def trace_links(
    codes: Iterable[str],
    *,
    settings: TraceUiSettings | None = None,
    intake_url: str | None = None,
    credentials: OperatorCredentials | None = None,
    wait_seconds: float = 10.0,
) -> list[TraceLink]:
    """The trace link of each dossier, waiting up to ``wait_seconds`` for Zipkin to hold them.

    ``settings`` default to the environment's, with the local Zipkin's trace page; ``intake_url``
    to ``LIENTHONG_INTAKE_URL`` or intake's local port; ``credentials`` (the operator's, as the
    CLI takes them) to the environment's.
    """
    settings = settings or _settings()
    intake_url = intake_url or service_url("intake")
    api = settings.trace_url.split("/zipkin/traces/")[0] + "/api/v2/trace/"
    deadline = time.monotonic() + wait_seconds
    seen: set[str] = set()
    async with httpx.AsyncClient(timeout=5) as http:
        bearer = await OperatorToken(credentials or OperatorCredentials.from_environ(), http).bearer()
        ids = {code: await submission_trace_id(http, intake_url, code, bearer=bearer) for code in codes}
        while True:
            for trace_id in set(ids.values()) - seen - {None}:
                try:
                    if (await http.get(api + str(trace_id))).status_code == 200:
                        seen.add(str(trace_id))
                except httpx.HTTPError:
                    pass
            if seen >= set(ids.values()) - {None} or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
    return [
        TraceLink(
            code,
            trace_id,
            trace_url(trace_id, settings.trace_url) if trace_id else None,
            dossier_search_url(code, settings.trace_url),
            trace_id in seen,
        )
        for code, trace_id in ids.items()
    ]


def print_trace_links(
    codes: Iterable[str], *, intake_url: str | None = None, credentials: OperatorCredentials | None = None
) -> None:
    """Print each dossier's trace link (and a search for all its traces) for the operator."""
    links = asyncio.run(trace_links(list(codes), intake_url=intake_url, credentials=credentials))
    print("\n== Traces (Zipkin)")
    for link in links:
        if link.url is None:
            print(f"   {link.code}: no trace id recorded (intake has no event of it)")
            continue
        note = "" if link.in_ui else f"  (not in Zipkin: {NOT_EXPORTED})"
        print(f"   {link.code}  {link.url}{note}")
        if link.all_traces_url:
            print(f"   {'':{len(link.code)}}  every trace of it, clerk actions included: {link.all_traces_url}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(f"usage: {sys.argv[0]} <dossier code>...")
    print_trace_links(sys.argv[1:])
