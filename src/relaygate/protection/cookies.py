"""Marks the session cookie ``Secure`` whenever the request came over HTTPS.

HTTPS means the ASGI scheme (uvicorn sets it from X-Forwarded-Proto for trusted proxies) or an
``X-Forwarded-Proto: https`` header. Trusting that header from anyone is safe here: it can only
make the caller's own cookie stricter.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _is_https(scope: Scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-proto":
            return bool(value.split(b",")[0].strip().lower() == b"https")
    return False


def _secure(value: str) -> str:
    flags = [part.strip().lower() for part in value.split(";")[1:]]
    return value if "secure" in flags else value + "; secure"


class SecureSessionCookie:
    """Wraps the session middleware; adds ``; secure`` to its Set-Cookie over HTTPS."""

    def __init__(self, app: ASGIApp, *, cookie_name: str = "session") -> None:
        self.app = app
        self.prefix = cookie_name + "="

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_https(scope):
            await self.app(scope, receive, send)
            return

        async def send_secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                cookies = headers.getlist("set-cookie")
                if any(cookie.startswith(self.prefix) for cookie in cookies):
                    del headers["set-cookie"]
                    for cookie in cookies:
                        patched = _secure(cookie) if cookie.startswith(self.prefix) else cookie
                        headers.append("set-cookie", patched)
            await send(message)

        await self.app(scope, receive, send_secure)
