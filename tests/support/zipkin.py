"""The local Zipkin server for the end-to-end tests: started by deploy/local/zipkin.sh, read through its API."""

import os
import subprocess
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]


class Zipkin:
    """A running Zipkin on 127.0.0.1 (``LIENTHONG_ZIPKIN_PORT``, 19411 by default)."""

    def __init__(self) -> None:
        self.url = f"http://127.0.0.1:{os.environ.get('LIENTHONG_ZIPKIN_PORT', '19411')}"

    @property
    def spans_endpoint(self) -> str:
        """Where services send spans: the value of ``OTEL_EXPORTER_ZIPKIN_ENDPOINT``."""
        return f"{self.url}/api/v2/spans"

    def trace_page(self, trace_id: str) -> str:
        return f"{self.url}/zipkin/traces/{trace_id}"

    def start(self) -> None:
        """Start the server, or reuse the one running; returns once ``/health`` says UP."""
        subprocess.run([str(REPO / "deploy/local/zipkin.sh"), "start"], check=True)

    async def trace(self, http: httpx.AsyncClient, trace_id: str) -> list[dict[str, Any]]:
        """The spans Zipkin holds for ``trace_id`` (none yet: an empty list)."""
        response = await http.get(f"{self.url}/api/v2/trace/{trace_id}")
        if response.status_code == 404:
            return []
        response.raise_for_status()
        spans: list[dict[str, Any]] = response.json()
        return spans

    async def traces_tagged(self, http: httpx.AsyncClient, tag: str, value: str) -> list[list[dict[str, Any]]]:
        """Every trace with a span tagged ``tag=value`` in the last hour."""
        response = await http.get(
            f"{self.url}/api/v2/traces",
            params={"annotationQuery": f"{tag}={value}", "lookback": 3_600_000, "limit": 100},
        )
        response.raise_for_status()
        traces: list[list[dict[str, Any]]] = response.json()
        return traces
