"""Turnstile against a local siteverify stand-in, and the session cookie's Secure flag."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from aiohttp import web
from test_accounts_support import free_port, from_ip, set_options
from test_api_support import ROOT_PASSWORD, ROOT_USERNAME, ok, refused, setup_root

from relaygate.config import Settings
from relaygate.protection import turnstile

SECRET = "turnstile-secret"


@dataclass
class SiteVerify:
    url: str
    calls: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
async def siteverify() -> AsyncIterator[SiteVerify]:
    """Answers like Cloudflare: success only for the token "good" with the right secret."""
    port = free_port()
    stand_in = SiteVerify(url=f"http://127.0.0.1:{port}/turnstile/v0/siteverify")

    async def handle(request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        stand_in.calls.append(form)
        passed = form.get("secret") == SECRET and form.get("response") == "good"
        return web.json_response({"success": passed, "error-codes": [] if passed else ["bad"]})

    application = web.Application()
    application.router.add_post("/turnstile/v0/siteverify", handle)
    runner = web.AppRunner(application)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield stand_in
    finally:
        await runner.cleanup()


@pytest.fixture
def app_settings(db_dsn: str, tmp_path: Path, siteverify: SiteVerify) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        SQL_DSN=db_dsn,
        DATA_DIR=str(tmp_path),
        SESSION_SECRET="relaygate-test-session-secret",
        REDIS_CONN_STRING=None,
        WEB_DIST=str(tmp_path / "no-web-dist"),
        TURNSTILE_VERIFY_URL=siteverify.url,
    )


async def test_turnstile_guards_register_login_and_mail(
    app_client: httpx.AsyncClient, siteverify: SiteVerify
) -> None:
    root = await setup_root(app_client)
    await set_options(
        app_client,
        root,
        TurnstileSiteKey="site-key",
        TurnstileSecretKey=SECRET,
        TurnstileCheckEnabled="true",
    )
    register = {"username": "alice", "password": "password-123"}
    async with from_ip(app_client, "10.5.0.1") as client:
        empty = await client.post("/api/user/register", json=register)
        assert refused(empty) == "Turnstile token 为空"
        bad = await client.post("/api/user/register?turnstile=nope", json=register)
        assert "校验失败" in refused(bad)
        assert siteverify.calls == [{"secret": SECRET, "response": "nope", "remoteip": "10.5.0.1"}]
        await ok(await client.post("/api/user/register?turnstile=good", json=register))
        # one pass per session: the cookie now carries it, so no token is needed
        second = {"username": "bob", "password": "password-123"}
        await ok(await client.post("/api/user/register", json=second))
        assert len(siteverify.calls) == 2

    async with from_ip(app_client, "10.5.0.2") as fresh:
        login = {"username": ROOT_USERNAME, "password": ROOT_PASSWORD}
        assert "Turnstile" in refused(await fresh.post("/api/user/login", json=login))
        await ok(await fresh.post("/api/user/login?turnstile=good", json=login))
    async with from_ip(app_client, "10.5.0.3") as other:
        mail = await other.get("/api/verification", params={"email": "a@example.com"})
        assert "Turnstile" in refused(mail)
        # routes without a Turnstile guard are untouched
        await ok(await other.get("/api/status"))


async def test_turnstile_unreachable() -> None:
    url = f"http://127.0.0.1:{free_port()}/siteverify"
    with pytest.raises(turnstile.TurnstileError):
        await turnstile.verify(url, secret="s", response="r", remote_ip="127.0.0.1")


async def test_session_cookie_secure_only_over_https(app_client: httpx.AsyncClient) -> None:
    await setup_root(app_client)
    login = {"username": ROOT_USERNAME, "password": ROOT_PASSWORD}

    async def cookie(client: httpx.AsyncClient, **headers: str) -> str:
        answer = await client.post("/api/user/login", json=login, headers=headers)
        await ok(answer)
        values = [v for v in answer.headers.get_list("set-cookie") if v.startswith("session=")]
        assert len(values) == 1
        return values[0].lower()

    plain = await cookie(app_client)
    assert "httponly" in plain
    assert "samesite=strict" in plain
    assert "secure" not in plain
    assert "; secure" in await cookie(app_client, **{"X-Forwarded-Proto": "https"})
    transport = app_client._transport
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as tls:
        secure = await cookie(tls)
    assert "; secure" in secure
    assert "httponly" in secure
