"""RelayResponse: a pure ASGI streaming response that always runs its close hook.

The body iterator is driven while a watcher listens for ``http.disconnect``; whether the
stream ends, fails or the client goes away, the iterator is closed and ``on_close`` runs in
a shielded scope, so settlement and the log row can never be skipped by a cancellation.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

log = logging.getLogger(__name__)

SSE_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-type", b"text/event-stream"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
]


class RelayResponse(Response):
    """Streams ``chunks`` to the client; ``on_close(client_gone)`` runs exactly once afterwards."""

    def __init__(
        self,
        chunks: AsyncIterator[bytes],
        *,
        status_code: int = 200,
        headers: list[tuple[bytes, bytes]] | None = None,
        on_close: Callable[[bool], Awaitable[None]],
    ) -> None:
        super().__init__(content=None, status_code=status_code)
        self.chunks = chunks
        self.raw_headers = headers if headers is not None else list(SSE_HEADERS)
        self.on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client_gone = False
        try:
            async with anyio.create_task_group() as group:

                async def watch_disconnect() -> None:
                    nonlocal client_gone
                    while True:
                        message = await receive()
                        if message["type"] == "http.disconnect":
                            client_gone = True
                            group.cancel_scope.cancel()
                            return

                group.start_soon(watch_disconnect)
                await send(
                    {
                        "type": "http.response.start",
                        "status": self.status_code,
                        "headers": self.raw_headers,
                    }
                )
                try:
                    async for chunk in self.chunks:
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                except OSError:
                    client_gone = True
                group.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                aclose = getattr(self.chunks, "aclose", None)
                if aclose is not None:
                    try:
                        await aclose()
                    except Exception:
                        log.exception("closing the relay stream failed")
                try:
                    await self.on_close(client_gone)
                except Exception:
                    log.exception("relay close hook failed")
