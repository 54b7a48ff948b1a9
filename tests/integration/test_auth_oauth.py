"""OAuth against the local OIDC provider: OIDC login (id_token checked with JWKS), GitHub-style
login, binding, state mismatch refusal, custom providers, Telegram HMAC and WeChat."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from test_api_support import Actor, create_user, ok, refused, runtime_of, setup_root
from tests.support.mock_oidc import CLIENT_ID, CLIENT_SECRET, WECHAT_TOKEN, MockOIDC

from relaygate.accounts.verification import EMAIL_VERIFICATION, CodeStore
from relaygate.db.models.user import User
from relaygate.kit import clock

BOT_TOKEN = "123456:telegram-test-token"


@pytest.fixture(scope="module")
def idp() -> Iterator[MockOIDC]:
    with MockOIDC() as provider:
        yield provider


async def _set(client: httpx.AsyncClient, root: Actor, **options: str) -> None:
    client.cookies.clear()  # root acts by access token; a session cookie would win
    for key, value in options.items():
        body = {"key": key.replace("__", "."), "value": value}
        await ok(await client.put("/api/option/", json=body, headers=root.headers))


async def _authorize(
    client: httpx.AsyncClient, idp: MockOIDC, sub: str, slug: str
) -> tuple[str, str]:
    """Fetch a state, let the provider approve ``sub``, return (code, state) from the redirect."""
    state = await ok(await client.get("/api/oauth/state"))
    async with httpx.AsyncClient() as browser:
        response = await browser.get(
            f"{idp.url}/authorize",
            params={
                "client_id": CLIENT_ID,
                "redirect_uri": f"http://testserver/oauth/{slug}",
                "state": state,
                "login_hint": sub,
                "response_type": "code",
            },
        )
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == [state]
    return query["code"][0], state


async def _callback(
    client: httpx.AsyncClient, idp: MockOIDC, sub: str, slug: str
) -> httpx.Response:
    code, state = await _authorize(client, idp, sub, slug)
    return await client.get(f"/api/oauth/{slug}", params={"code": code, "state": state})


async def _user(client: httpx.AsyncClient, user_id: int) -> User:
    async with runtime_of(client).database.reader() as session:
        user = await session.get(User, user_id)
    assert user is not None
    return user


async def _oidc_root(client: httpx.AsyncClient, idp: MockOIDC) -> Actor:
    root = await setup_root(client)
    await _set(
        client,
        root,
        ServerAddress="http://testserver",
        oidc__client_id=CLIENT_ID,
        oidc__client_secret=CLIENT_SECRET,
        oidc__well_known=idp.well_known,
        oidc__enabled="true",
    )
    client.cookies.clear()
    return root


async def test_oidc_login_bind_and_state(app_client: httpx.AsyncClient, idp: MockOIDC) -> None:
    await _oidc_root(app_client, idp)

    data = await ok(await _callback(app_client, idp, "dora", "oidc"))
    assert data["username"] == "dora" and data["is_new_user"] is True
    dora = await _user(app_client, data["id"])
    assert (dora.oidc_id, dora.email) == ("dora", "dora@example.com")
    await ok(await app_client.get("/api/user/self", headers={"New-Api-User": str(dora.id)}))
    # The id_token was fetched and checked against the JWKS; the token call used the secret.
    assert idp.state.token_requests[-1]["client_secret"] == CLIENT_SECRET

    app_client.cookies.clear()
    again = await ok(await _callback(app_client, idp, "dora", "oidc"))
    assert again["id"] == dora.id and "is_new_user" not in again

    # State mismatch (or no state in the session) is refused before any code exchange.
    app_client.cookies.clear()
    code, _ = await _authorize(app_client, idp, "eve", "oidc")
    forged = await app_client.get("/api/oauth/oidc", params={"code": code, "state": "forged"})
    assert forged.status_code == 403 and forged.json()["success"] is False
    app_client.cookies.clear()
    stateless = await app_client.get("/api/oauth/oidc", params={"code": code, "state": "x"})
    assert stateless.status_code == 403

    # Logged in: the callback binds instead of logging in; a taken account is refused.
    app_client.cookies.clear()
    await ok(await _callback(app_client, idp, "frank", "oidc"))  # frank signs up
    app_client.cookies.clear()
    await ok(
        await app_client.post(
            "/api/user/login", json={"username": "root", "password": "root-password-1"}
        )
    )
    bound = await _callback(app_client, idp, "grace", "oidc")
    assert (await ok(bound)) == {"action": "bind"}
    root_user = (await app_client.get("/api/user/self", headers={"New-Api-User": "1"})).json()
    assert root_user["success"] is True
    assert (await _user(app_client, 1)).oidc_id == "grace"
    taken = await _callback(app_client, idp, "frank", "oidc")
    assert "已被绑定" in refused(taken)

    assert "未知" in (await app_client.get("/api/oauth/nobody?code=x&state=y")).json()["message"]


async def test_github_style_provider(app_client: httpx.AsyncClient, idp: MockOIDC) -> None:
    root = await setup_root(app_client)
    await _set(
        app_client,
        root,
        GitHubClientId=CLIENT_ID,
        GitHubClientSecret=CLIENT_SECRET,
        GitHubTokenEndpoint=f"{idp.url}/token",
        GitHubUserInfoEndpoint=f"{idp.url}/userinfo",
        GitHubOAuthEnabled="true",
    )
    app_client.cookies.clear()
    data = await ok(await _callback(app_client, idp, "hank", "github"))
    hank = await _user(app_client, data["id"])
    assert hank.github_id == str(idp.state.user("hank")["id"]) and hank.username == "hank"
    await _set(app_client, root, GitHubOAuthEnabled="false")
    app_client.cookies.clear()
    assert "未开启" in refused(await _callback(app_client, idp, "hank", "github"))


async def test_custom_provider(app_client: httpx.AsyncClient, idp: MockOIDC) -> None:
    root = await setup_root(app_client)
    await _set(app_client, root, ServerAddress="http://testserver")
    body: dict[str, Any] = {
        "name": "Corp SSO",
        "slug": "corp",
        "enabled": True,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "authorization_endpoint": f"{idp.url}/authorize",
        "token_endpoint": f"{idp.url}/token",
        "user_info_endpoint": f"{idp.url}/userinfo",
        "auth_style": 2,
        "user_id_field": "id",
        "username_field": "login",
    }
    assert "保留" in refused(
        await app_client.post(
            "/api/custom-oauth-provider/", json={**body, "slug": "github"}, headers=root.headers
        )
    )
    created = await ok(
        await app_client.post("/api/custom-oauth-provider/", json=body, headers=root.headers)
    )
    assert "client_secret" not in created
    listed = await ok(await app_client.get("/api/custom-oauth-provider/", headers=root.headers))
    assert [p["slug"] for p in listed] == ["corp"]
    updated = await ok(
        await app_client.put(
            f"/api/custom-oauth-provider/{created['id']}",
            json={"name": "Corp"},
            headers=root.headers,
        )
    )
    assert updated["name"] == "Corp"
    discovery = await ok(
        await app_client.post(
            "/api/custom-oauth-provider/discovery",
            json={"issuer_url": idp.url},
            headers=root.headers,
        )
    )
    assert discovery["discovery"]["jwks_uri"] == f"{idp.url}/jwks"

    app_client.cookies.clear()
    data = await ok(await _callback(app_client, idp, "ivy", "corp"))
    ivy = Actor(data["id"], {"New-Api-User": str(data["id"])})
    bindings = await ok(await app_client.get("/api/user/oauth/bindings", headers=ivy.headers))
    assert bindings == [
        {
            "provider_id": created["id"],
            "provider_name": "Corp",
            "provider_slug": "corp",
            "provider_icon": "",
            "provider_user_id": str(idp.state.user("ivy")["id"]),
        }
    ]
    # Basic auth was used (auth_style 2): the form carried no secret.
    assert "client_secret" not in idp.state.token_requests[-1]
    await ok(
        await app_client.delete(f"/api/user/oauth/bindings/{created['id']}", headers=ivy.headers)
    )
    assert await ok(await app_client.get("/api/user/oauth/bindings", headers=ivy.headers)) == []
    app_client.cookies.clear()
    await ok(
        await app_client.delete(f"/api/custom-oauth-provider/{created['id']}", headers=root.headers)
    )


def _telegram(params: dict[str, str], token: str = BOT_TOKEN) -> dict[str, str]:
    check = "\n".join(f"{k}={params[k]}" for k in sorted(params))
    secret = hashlib.sha256(token.encode()).digest()
    return {**params, "hash": hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()}


async def test_telegram_and_wechat(app_client: httpx.AsyncClient, idp: MockOIDC) -> None:
    root = await setup_root(app_client)
    await create_user(app_client, root, "jane")
    await _set(
        app_client,
        root,
        TelegramBotToken=BOT_TOKEN,
        TelegramBotName="relaygate_bot",
        WeChatServerAddress=idp.url,
        WeChatServerToken=WECHAT_TOKEN,
        TelegramOAuthEnabled="true",
        WeChatAuthEnabled="true",
    )
    widget = {"id": "777", "first_name": "Jane", "auth_date": str(clock.now())}
    good = _telegram(widget)
    bad = {**good, "first_name": "Mallory"}
    stale = _telegram({**widget, "auth_date": str(clock.now() - 2 * 86400)})
    wrong_key = _telegram(widget, "another-bot-token")

    app_client.cookies.clear()
    headers = {
        "New-Api-User": str(
            (
                await ok(
                    await app_client.post(
                        "/api/user/login", json={"username": "jane", "password": "password-123"}
                    )
                )
            )["id"]
        )
    }
    for forged in (bad, stale, wrong_key):
        assert "无效" in refused(await app_client.get("/api/oauth/telegram/bind", params=forged))
    bound = await app_client.get("/api/oauth/telegram/bind", params=good)
    assert bound.status_code == 302
    wx = await ok(
        await app_client.post("/api/oauth/wechat/bind", json={"code": "jane"}, headers=headers)
    )
    assert wx is None

    app_client.cookies.clear()
    assert "无效" in refused(await app_client.get("/api/oauth/telegram/login", params=bad))
    data = await ok(await app_client.get("/api/oauth/telegram/login", params=good))
    assert data["username"] == "jane"
    app_client.cookies.clear()
    data = await ok(await app_client.get("/api/oauth/wechat", params={"code": "jane"}))
    assert data["username"] == "jane"
    app_client.cookies.clear()
    fresh = await ok(await app_client.get("/api/oauth/wechat", params={"code": "kim"}))
    assert fresh["is_new_user"] is True and fresh["username"].startswith("wechat_")
    assert "过期" in refused(await app_client.get("/api/oauth/wechat", params={"code": "expired"}))


async def test_email_bind(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    await create_user(app_client, root, "lena")
    await create_user(app_client, root, "mona")
    codes = CodeStore(None)
    transport = app_client._transport
    assert isinstance(transport, httpx.ASGITransport)
    transport.app.state.verification_codes = codes  # type: ignore[attr-defined]
    await codes.put(EMAIL_VERIFICATION, "lena@example.com", "123456")
    app_client.cookies.clear()
    lena = await ok(
        await app_client.post(
            "/api/user/login", json={"username": "lena", "password": "password-123"}
        )
    )
    wrong = {"email": "lena@example.com", "code": "654321"}
    assert "验证码" in refused(await app_client.post("/api/oauth/email/bind", json=wrong))
    right = {"email": "lena@example.com", "code": "123456"}
    await ok(await app_client.get("/api/oauth/email/bind", params=right))
    assert (await _user(app_client, lena["id"])).email == "lena@example.com"
    # The code was spent; another account cannot take the address.
    assert "验证码" in refused(await app_client.post("/api/oauth/email/bind", json=right))
    await codes.put(EMAIL_VERIFICATION, "lena@example.com", "111111")
    app_client.cookies.clear()
    await ok(
        await app_client.post(
            "/api/user/login", json={"username": "mona", "password": "password-123"}
        )
    )
    taken = {"email": "lena@example.com", "code": "111111"}
    assert "已被" in refused(await app_client.post("/api/oauth/email/bind", json=taken))
