"""Pure ASGI middleware: request ids and the request body limit."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from relaygate.errors import BodyTooLarge
from relaygate.kit.ids import new_request_id


class RequestIdMiddleware:
    """Gives every request an id (``scope["request_id"]``) and returns it as ``X-Oneapi-Request-Id``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        scope["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("X-Oneapi-Request-Id", request_id)
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodyLimitMiddleware:
    """Refuses bodies over ``MAX_REQUEST_BODY_MB`` with 413, by header or while reading."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.max_bytes <= 0:
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                scope["body_too_large"] = True
                break
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(f"request body exceeds {self.max_bytes // (1024 * 1024)} MB")
            return message

        if scope.get("body_too_large"):

            async def refuse() -> Message:
                raise BodyTooLarge(f"request body exceeds {self.max_bytes // (1024 * 1024)} MB")

            await self.app(scope, refuse, send)
            return
        await self.app(scope, limited_receive, send)
