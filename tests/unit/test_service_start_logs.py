"""A service's log lines are JSON from its first one: what it logs while its app is built too."""

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from services.registry import entry
from shared.kernel import service_app
from shared.observability import logging_setup


@pytest.fixture
def logging_put_back() -> Iterator[None]:
    """``serve`` configures the process's logging; the other tests get pytest's back."""
    names = ("", *logging_setup._LIBRARY_LOGGERS)
    saved = {name: (logging.getLogger(name), logging.getLogger(name).handlers[:]) for name in names}
    propagate = {name: logging.getLogger(name).propagate for name in names}
    level = logging.getLogger().level
    yield
    logging.captureWarnings(False)
    for name, (logger, handlers) in saved.items():
        logger.handlers[:] = handlers
        logger.propagate = propagate[name]
    logging.getLogger().setLevel(level)


@pytest.mark.usefixtures("logging_put_back")
def test_a_warning_logged_while_the_app_is_built_is_a_json_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LIENTHONG_LOOKUP_SECRET_KEY", raising=False)  # intake warns while building its API
    served: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: served.append(app))

    service_app.serve(entry("intake"))

    assert len(served) == 1
    written = capsys.readouterr()
    assert written.err == ""
    records = [json.loads(line) for line in written.out.splitlines()]
    warned = [r for r in records if r["message"].startswith("LIENTHONG_LOOKUP_SECRET_KEY is not set")]
    assert [(r["level"], r["service"]) for r in warned] == [("WARNING", "lienthong-intake")]
