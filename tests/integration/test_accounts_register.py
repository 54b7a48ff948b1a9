"""Registration, email verification codes by real SMTP, and password reset by mailed link."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select
from test_accounts_support import (
    Mailbox,
    code_in,
    from_ip,
    mailbox_fixture,  # noqa: F401  (fixture)
    set_options,
    use_mailbox,
)
from test_api_support import PASSWORD, login, ok, refused, runtime_of, setup_root

from relaygate.db.models.log import LOG_TYPE_SYSTEM, Log
from relaygate.db.models.user import User


async def _register(client: httpx.AsyncClient, **body: str) -> httpx.Response:
    return await client.post("/api/user/register", json={"password": PASSWORD, **body})


async def _user(client: httpx.AsyncClient, username: str) -> User:
    async with runtime_of(client).database.reader() as session:
        found = (await session.execute(select(User).where(User.username == username))).scalar_one()
    return found


async def test_register_with_quota_and_invitation(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    await set_options(
        app_client, root, QuotaForNewUser="1000", QuotaForInvitee="300", QuotaForInviter="700"
    )
    await ok(await _register(app_client, username="alice"))
    alice = await login(app_client, "alice", PASSWORD)
    code = await ok(await app_client.get("/api/user/aff", headers=alice.headers))
    assert re.fullmatch(r"[A-Za-z0-9]{4}", code)
    assert await ok(await app_client.get("/api/user/aff", headers=alice.headers)) == code

    await ok(await _register(app_client, username="bob", aff_code=code))
    bob = await _user(app_client, "bob")
    assert (bob.quota, bob.inviter_id, bob.role, bob.group) == (1300, alice.id, 1, "default")
    assert bob.aff_code and bob.aff_code != code
    inviter = await _user(app_client, "alice")
    assert (inviter.quota, inviter.aff_count, inviter.aff_quota, inviter.aff_history) == (
        1000,
        1,
        700,
        700,
    )
    async with runtime_of(app_client).database.reader() as session:
        rows = await session.execute(select(Log).where(Log.type == LOG_TYPE_SYSTEM))
        contents = {(row.user_id, row.content.split(" ")[0]) for row in rows.scalars()}
    assert (bob.id, "新用户注册赠送") in contents
    assert (bob.id, "使用邀请码赠送") in contents
    assert (alice.id, "邀请用户赠送") in contents

    # an unknown code registers without an inviter
    await ok(await _register(app_client, username="carol", aff_code="zzzz"))
    assert (await _user(app_client, "carol")).inviter_id == 0


async def test_register_refusals(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    await ok(await _register(app_client, username="alice"))
    assert "已存在" in refused(await _register(app_client, username="alice"))
    assert "已存在" in refused(await _register(app_client, username="root"))
    assert "输入不合法" in refused(await _register(app_client, username="x" * 21))
    short = await app_client.post("/api/user/register", json={"username": "b", "password": "1"})
    assert "输入不合法" in refused(short)
    assert "输入不合法" in refused(await _register(app_client, username=""))

    await set_options(app_client, root, PasswordRegisterEnabled="false")
    assert "密码进行注册" in refused(await _register(app_client, username="dave"))
    await set_options(app_client, root, RegisterEnabled="false")
    assert "关闭了新用户注册" in refused(await _register(app_client, username="dave"))


async def test_email_verification_by_smtp(app_client: httpx.AsyncClient, mailbox: Mailbox) -> None:
    root = await setup_root(app_client)
    await use_mailbox(app_client, root, mailbox)
    await set_options(app_client, root, EmailVerificationEnabled="true")

    assert "邮箱验证" in refused(await _register(app_client, username="alice"))
    await ok(await app_client.get("/api/verification", params={"email": "alice@example.com"}))
    mail = mailbox.last()
    assert mail["To"] == "alice@example.com"
    assert mail["Subject"] == "RelayTest邮箱验证邮件"
    assert "noreply@relaygate.test" in mail["From"]
    assert mailbox.logins == ["mailer@relaygate.test"]
    code = code_in(mailbox.last_html())

    wrong = await _register(
        app_client, username="alice", email="alice@example.com", verification_code="000000"
    )
    assert "验证码错误" in refused(wrong)
    good = {"username": "alice", "email": "alice@example.com", "verification_code": code}
    await ok(await _register(app_client, **good))
    assert (await _user(app_client, "alice")).email == "alice@example.com"
    # the code is spent, and the address is now taken
    assert "验证码错误" in refused(await _register(app_client, **{**good, "username": "alice2"}))
    taken = await app_client.get("/api/verification", params={"email": "alice@example.com"})
    assert "已被占用" in refused(taken)


async def test_verification_checks_and_smtp_failure(
    app_client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    root = await setup_root(app_client)
    bad = await app_client.get("/api/verification", params={"email": "not-an-email"})
    assert "邮箱" in refused(bad)
    await set_options(app_client, root, SMTPServer="")
    unconfigured = await app_client.get("/api/verification", params={"email": "a@example.com"})
    assert "SMTP" in refused(unconfigured)

    await use_mailbox(app_client, root, mailbox)
    await set_options(
        app_client,
        root,
        EmailDomainRestrictionEnabled="true",
        EmailDomainWhitelist="allowed.test",
        EmailAliasRestrictionEnabled="true",
        SMTPToken="wrong-secret",
    )
    # each ask counts against the sender's limit (2 per 30 s per IP), so use a second address
    async with from_ip(app_client, "10.0.0.2") as other:
        outside = await other.get("/api/verification", params={"email": "a@example.com"})
        assert "whitelist" in refused(outside)
        alias = await other.get("/api/verification", params={"email": "a+b@allowed.test"})
        assert "别名" in refused(alias)
    async with from_ip(app_client, "10.0.0.3") as third:
        failed = await third.get("/api/verification", params={"email": "a@allowed.test"})
        assert "SMTP" in refused(failed)
    assert mailbox.messages == []


async def test_password_reset_by_link(app_client: httpx.AsyncClient, mailbox: Mailbox) -> None:
    root = await setup_root(app_client)
    await use_mailbox(app_client, root, mailbox)
    await set_options(app_client, root, ServerAddress="https://console.example")
    await ok(
        await app_client.post(
            "/api/user/", json={"username": "alice", "password": PASSWORD}, headers=root.headers
        )
    )
    alice = await _user(app_client, "alice")
    edit = {"id": alice.id, "email": "alice@example.com"}
    await ok(await app_client.put("/api/user/", json=edit, headers=root.headers))

    # unknown addresses answer the same and send nothing
    await ok(await app_client.get("/api/reset_password", params={"email": "nobody@example.com"}))
    assert mailbox.messages == []
    await ok(await app_client.get("/api/reset_password", params={"email": "alice@example.com"}))
    assert mailbox.last()["Subject"] == "RelayTest密码重置"
    found = re.search(r"href='([^']+)'", mailbox.last_html())
    assert found
    link = urlsplit(html.unescape(found.group(1)))
    assert (link.scheme, link.netloc, link.path) == ("https", "console.example", "/user/reset")
    query = {k: v[0] for k, v in parse_qs(link.query).items()}
    assert query["email"] == "alice@example.com"

    forged = {"email": "alice@example.com", "token": "0" * 32}
    assert "非法或已过期" in refused(await app_client.post("/api/user/reset", json=forged))
    assert "无效的参数" in refused(await app_client.post("/api/user/reset", json={}))
    password = await ok(await app_client.post("/api/user/reset", json=query))
    assert re.fullmatch(r"[0-9a-f]{12}", password)
    await login(app_client, "alice", password)
    refused(
        await app_client.post("/api/user/login", json={"username": "alice", "password": PASSWORD})
    )
    # the token works once
    assert "非法或已过期" in refused(await app_client.post("/api/user/reset", json=query))
