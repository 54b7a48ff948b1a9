"""The fast lane: a tiny ASGI dispatcher in front of FastAPI for the /v1 relay routes.

Exact (method, path) matches first, then regex routes (Gemini's ``/v1beta/models/{model}:x``).
Everything else falls through to the FastAPI app. Errors are rendered in the route's wire
format by the same renderer FastAPI's handler uses.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from relaygate.errors import RelayGateError
from relaygate.relay.errors import render_relay_error

log = logging.getLogger(__name__)

Handler = Callable[[Request], Awaitable[Response]]
SocketHandler = Callable[[WebSocket], Awaitable[None]]
"""A websocket route: it accepts, relays and closes the socket itself (errors included)."""


class Routes:
    """A route table filled with decorators."""

    def __init__(self) -> None:
        self.exact: dict[tuple[str, str], Handler] = {}
        self.patterns: list[tuple[str, re.Pattern[str], Handler]] = []
        self.sockets: dict[str, SocketHandler] = {}
        self.prefixes: list[tuple[str, Handler]] = []

    def _add(self, method: str, paths: tuple[str, ...]) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for path in paths:
                if "{" in path:
                    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/:]+)", path)
                    self.patterns.append((method, re.compile(f"^{regex}$"), handler))
                else:
                    self.exact[(method, path)] = handler
            return handler

        return register

    def get(self, *paths: str) -> Callable[[Handler], Handler]:
        return self._add("GET", paths)

    def post(self, *paths: str) -> Callable[[Handler], Handler]:
        return self._add("POST", paths)

    def prefix(self, prefix: str, handler: Handler) -> None:
        """Every method on ``prefix`` and below goes to ``handler``."""
        self.prefixes.append((prefix, handler))

    def websocket(self, path: str) -> Callable[[SocketHandler], SocketHandler]:
        """A websocket route on an exact path (``/v1/realtime``)."""

        def register(handler: SocketHandler) -> SocketHandler:
            self.sockets[path] = handler
            return handler

        return register

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, Any]] | None:
        """The handler and path parameters for a request, or None."""
        handler = self.exact.get((method, path))
        if handler is not None:
            return handler, {}
        for route_method, pattern, candidate in self.patterns:
            if route_method == method:
                found = pattern.match(path)
                if found:
                    return candidate, found.groupdict()
        for prefix, candidate in self.prefixes:
            if path == prefix or path.startswith(prefix + "/"):
                return candidate, {}
        return None


class FastLane:
    """Serves the relay routes directly; passes everything else to ``app``."""

    def __init__(self, app: ASGIApp, *, routes: Routes) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            socket_handler = self.routes.sockets.get(scope["path"])
            if socket_handler is not None:
                await socket_handler(WebSocket(scope, receive, send))
                return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        found = self.routes.match(scope["method"], scope["path"])
        if found is None:
            await self.app(scope, receive, send)
            return
        handler, params = found
        scope["path_params"] = params
        request = Request(scope, receive)
        try:
            response = await handler(request)
        except RelayGateError as error:
            response = render_relay_error(scope, error)
        except Exception:
            log.exception("relay handler failed for %s", scope["path"])
            response = render_relay_error(
                scope, RelayGateError("internal error in the gateway", status_code=500)
            )
        await response(scope, receive, send)
