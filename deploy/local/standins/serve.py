"""Runs every stand-in in one asyncio loop: each HTTP app under its own uvicorn server, plus SMTP."""

import asyncio
import contextlib
import signal
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path

import uvicorn

from standins.apps import TITLES, build_standins
from standins.ports import HOST
from standins.smtp import serve_smtp


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signals to :func:`serve`, which stops every server at once."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _listen(name: str, port: int) -> socket.socket:
    try:
        return socket.create_server((HOST, port))
    except OSError as error:
        raise SystemExit(f"standins: cannot listen on {HOST}:{port} for the {TITLES[name]}: {error}") from error


async def serve(ports: Mapping[str, int], data_dir: Path, keys: Mapping[str, str]) -> None:
    """Serve until SIGTERM or SIGINT, then close every server; the identity provider keeps its keys in ``data_dir``,
    the payment and postal stand-ins share ``keys`` with intake (see :func:`standins.apps.build_standins`)."""
    standins = build_standins(data_dir, f"http://{HOST}:{ports['identity']}", keys)
    sockets = {name: _listen(name, ports[name]) for name in standins.http}
    try:
        smtp = await serve_smtp(standins.mail, HOST, ports["smtp"])
    except OSError as error:
        raise SystemExit(
            f"standins: cannot listen on {HOST}:{ports['smtp']} for the {TITLES['smtp']}: {error}"
        ) from error
    servers = [
        _Server(uvicorn.Config(app, lifespan="off", log_level="info", timeout_graceful_shutdown=5))
        for app in standins.http.values()
    ]
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    running = [
        asyncio.create_task(server.serve(sockets=[sock]))
        for server, sock in zip(servers, sockets.values(), strict=True)
    ]
    for name in standins.http:
        print(f"standins: {TITLES[name]} on http://{HOST}:{ports[name]}", flush=True)
    print(f"standins: {TITLES['smtp']} on smtp://{HOST}:{ports['smtp']}", flush=True)
    stopper = asyncio.create_task(stopping.wait())
    await asyncio.wait([stopper, *running], return_when=asyncio.FIRST_COMPLETED)
    for server in servers:
        server.should_exit = True
    smtp.close()
    await asyncio.gather(*running, asyncio.wait_for(smtp.wait_closed(), 5), return_exceptions=True)
    stopper.cancel()
    print("standins: stopped", flush=True)
