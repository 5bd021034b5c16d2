"""Loops a service runs beside its HTTP app and its consumers (schedulers, delivery workers)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from fastapi import FastAPI


def run_beside(app: FastAPI, loop: Callable[[], Coroutine[Any, Any, None]], *, name: str) -> None:
    """Run ``loop()`` while ``app`` runs: started after the app's own startup, cancelled before its shutdown."""
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with inner(app):
            task = asyncio.create_task(loop(), name=name)
            try:
                yield
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app.router.lifespan_context = lifespan
