"""A local OpenID Connect provider (aiohttp) for the OAuth tests.

Serves discovery, ``/authorize`` (auto-approves and redirects back with a code; ``login_hint``
picks the account), ``/token`` (client_secret_post or _basic; issues an RS256 ``id_token``),
``/userinfo``, ``/jwks``, and WeChat's code server ``/api/wechat/user``. The user JSON carries
the fields GitHub, Discord, LinuxDO and OIDC read, so every built-in provider can point here.

    with MockOIDC() as idp:
        idp.url + "/.well-known/openid-configuration"
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import urlencode

from aiohttp import web
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "relaygate-test-client"
CLIENT_SECRET = "relaygate-test-secret"
WECHAT_TOKEN = "wechat-server-token"


@dataclass
class MockOIDCState:
    """Accounts, issued codes and tokens; tests read and tweak it directly."""

    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)
    """code → (sub, nonce)."""
    tokens: dict[str, str] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def user(self, sub: str) -> dict[str, Any]:
        """The profile of ``sub``, created on first use."""
        if sub not in self.users:
            number = len(self.users) + 1000
            self.users[sub] = {
                "sub": sub,
                "id": number,
                "login": sub,
                "username": sub,
                "preferred_username": sub,
                "name": sub.title(),
                "global_name": sub.title(),
                "email": f"{sub}@example.com",
                "email_verified": True,
                "verified": True,
                "trust_level": 2,
                "active": True,
            }
        return self.users[sub]


class MockOIDC:
    """The provider on a free port in a background thread with its own event loop."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.state = MockOIDCState()
        self.key = RSAKey.generate_key(2048, parameters={"kid": "mock-key-1", "use": "sig"})
        self._host = host
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        """The issuer, e.g. ``http://127.0.0.1:41234``."""
        return f"http://{self._host}:{self.port}"

    @property
    def well_known(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def issue_code(self, sub: str, nonce: str = "") -> str:
        """A code for ``sub`` without going through /authorize."""
        self.state.user(sub)
        code = secrets.token_urlsafe(16)
        self.state.codes[code] = (sub, nonce)
        return code

    # ------------------------------------------------------------------ handlers

    async def _discovery(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "userinfo_endpoint": f"{self.url}/userinfo",
                "jwks_uri": f"{self.url}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "client_secret_basic",
                ],
            }
        )

    async def _authorize(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("client_id") != self.state.client_id:
            return web.json_response({"error": "unauthorized_client"}, status=400)
        redirect = query.get("redirect_uri", "")
        code = self.issue_code(query.get("login_hint", "alice"), query.get("nonce", ""))
        params = {"code": code, "state": query.get("state", "")}
        raise web.HTTPFound(f"{redirect}?{urlencode(params)}")

    def _client_ok(self, request: web.Request, form: dict[str, str]) -> bool:
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            decoded = base64.b64decode(auth[6:]).decode()
            client_id, _, client_secret = decoded.partition(":")
        return client_id == self.state.client_id and client_secret == self.state.client_secret

    async def _token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.state.token_requests.append(form)
        if not self._client_ok(request, form):
            return web.json_response({"error": "invalid_client"}, status=401)
        entry = self.state.codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or entry is None:
            return web.json_response({"error": "invalid_grant"}, status=400)
        sub, nonce = entry
        access = secrets.token_urlsafe(24)
        self.state.tokens[access] = sub
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.url,
            "sub": sub,
            "aud": self.state.client_id,
            "iat": now,
            "exp": now + 300,
            "email": self.state.user(sub)["email"],
        }
        if nonce:
            claims["nonce"] = nonce
        id_token = jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)
        return web.json_response(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 3600,
                "scope": "openid profile email",
                "id_token": id_token,
            }
        )

    async def _userinfo(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        sub = self.state.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
        if sub is None:
            return web.json_response({"error": "invalid_token"}, status=401)
        return web.json_response(self.state.user(sub))

    async def _jwks(self, request: web.Request) -> web.Response:
        return web.json_response(KeySet([self.key]).as_dict(private=False))

    async def _wechat(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != WECHAT_TOKEN:
            return web.json_response({"success": False, "message": "token mismatch"})
        code = request.query.get("code", "")
        if not code or code == "expired":
            return web.json_response({"success": True, "message": "", "data": ""})
        return web.json_response({"success": True, "message": "", "data": f"wx-{code}"})

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self._discovery)
        app.router.add_get("/authorize", self._authorize)
        app.router.add_post("/token", self._token)
        app.router.add_get("/userinfo", self._userinfo)
        app.router.add_get("/jwks", self._jwks)
        app.router.add_get("/api/wechat/user", self._wechat)
        return app

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, 0))
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._thread = threading.Thread(
            target=self._serve, args=(sock,), name=f"mock-oidc:{self.port}", daemon=True
        )
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise RuntimeError("mock OIDC provider failed to start") from self._error
        return self

    def _serve(self, sock: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        runner = web.AppRunner(self._app())
        try:
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.SockSite(runner, sock).start())
        except BaseException as exc:
            self._error = exc
            sock.close()
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
        finally:
            sock.close()
            loop.close()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
