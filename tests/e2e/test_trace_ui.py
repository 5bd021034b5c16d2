"""An operator opens a dossier's trace in the real trace UI (Zipkin), driven by headless Chromium."""

import shutil
import subprocess
from pathlib import Path

import httpx
from stack import DEFAULT_PORTS, ServiceStack
from trace_links import trace_links

from operations.tokens import OperatorCredentials
from shared.observability.trace_ui import TraceUiSettings
from tests.support import clerks
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, ledger, open_task, submit
from tests.support.traces import new_trace
from tests.support.waiting import eventually
from tests.support.zipkin import Zipkin

FOUR_SERVICES = {f"lienthong-{name}" for name in DEFAULT_PORTS}
# As the machine's own Chromium is run headless as root: no sandbox, and no calls home.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=15000",
)


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run Debian's Chromium headless on a fresh profile; the page's scripts run before it answers."""
    binary = shutil.which("chromium")
    assert binary, (
        "chromium is not installed (Debian package chromium; make test installs it through deploy/local/system.sh)"
    )
    return subprocess.run(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_trace_page_of_a_dossier_shows_spans_of_all_four_services(
    http: httpx.AsyncClient, stack: ServiceStack, zipkin: Zipkin, tmp_path: Path
) -> None:
    trace_id, traceparent = new_trace()
    code = (await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU, traceparent=traceparent))["code"]
    await open_task(http, stack.url("department"), "17179.VP", code)
    await ledger(http, stack.url("notification"), code, 2)

    async def stored() -> bool:
        return {s["localEndpoint"]["serviceName"] for s in await zipkin.trace(http, trace_id)} >= FOUR_SERVICES

    await eventually(stored, what="Zipkin holding spans of all four services for the dossier's trace")

    page = zipkin.trace_page(trace_id)
    ui = TraceUiSettings(trace_url=page.replace(trace_id, "{trace_id}"))
    operator = OperatorCredentials(token=clerks.operator_token())
    [link] = await trace_links([code], settings=ui, intake_url=stack.url("intake"), credentials=operator)
    assert (link.url, link.in_ui) == (page, True), "the link make demo prints"
    # The span list renders only the rows in view: a tall window shows them all.
    dom = chromium(tmp_path / "profile", "--window-size=1600,8000", "--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    missing = {service for service in FOUR_SERVICES if service not in dom.stdout}
    assert not missing, f"the trace page of {code} shows no span of {missing}"
    assert "post /v1/dossiers" in dom.stdout.lower()

    screenshot = tmp_path / "dossier-trace.png"
    shot = chromium(tmp_path / "profile", f"--screenshot={screenshot}", "--window-size=1600,2000", page)
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 20_000, "the screenshot is nearly blank"
    print(f"trace page of {code}: {page}\nscreenshot: {screenshot}")
