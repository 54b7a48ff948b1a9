"""Top-up orders: epay notify signatures, Stripe checkout and webhooks, Creem, admin completion.

Stripe and Creem are replaced by a local aiohttp server that records what it was sent.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import stripe
from aiohttp import web
from sqlalchemy import func, select
from test_api_support import Actor, create_user, ok, refused, runtime_of, setup_root

from relaygate.db.models.log import LOG_TYPE_TOPUP, Log
from relaygate.db.models.topup import TopUp
from relaygate.db.models.user import User
from relaygate.kit import jsonx
from relaygate.payments import creem, epay

EPAY_KEY = "epay-merchant-key"
STRIPE_WHSEC = "whsec_test_secret"
CREEM_SECRET = "creem-webhook-secret"


@dataclass
class FakeGateway:
    """Records requests; answers Stripe's session create and Creem's checkout create."""

    url: str = ""
    stripe_forms: list[dict[str, str]] = field(default_factory=list)
    creem_bodies: list[dict[str, Any]] = field(default_factory=list)
    creem_headers: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeGateway]:
    fake = FakeGateway()

    async def stripe_session(request: web.Request) -> web.Response:
        fake.stripe_forms.append(dict(parse_qsl(await request.text())))
        n = len(fake.stripe_forms)
        return web.json_response(
            {
                "id": f"cs_test_{n}",
                "object": "checkout.session",
                "url": f"https://checkout.stripe.test/c/pay/cs_test_{n}",
            }
        )

    async def creem_checkout(request: web.Request) -> web.Response:
        fake.creem_bodies.append(await request.json())
        fake.creem_headers.append(dict(request.headers))
        return web.json_response({"id": "ch_1", "checkout_url": "https://creem.test/checkout/ch_1"})

    app = web.Application()
    app.router.add_post("/v1/checkout/sessions", stripe_session)
    app.router.add_post("/v1/checkouts", creem_checkout)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    fake.url = f"http://127.0.0.1:{port}"
    monkeypatch.setattr(stripe, "api_base", fake.url)
    monkeypatch.setattr(creem, "API_BASE", fake.url)
    monkeypatch.setattr(creem, "TEST_API_BASE", fake.url)
    yield fake
    await runner.cleanup()


async def _options(client: httpx.AsyncClient, root: Actor, **values: str) -> None:
    for key, value in values.items():
        await ok(
            await client.put(
                "/api/option/", json={"key": key, "value": value}, headers=root.headers
            )
        )


async def _quota(client: httpx.AsyncClient, user_id: int) -> int:
    async with runtime_of(client).database.reader() as session:
        user = await session.get(User, user_id)
        assert user is not None
        return user.quota


async def _topup_logs(client: httpx.AsyncClient, user_id: int) -> list[Log]:
    async with runtime_of(client).database.reader() as session:
        stmt = select(Log).where(Log.user_id == user_id, Log.type == LOG_TYPE_TOPUP)
        return list((await session.execute(stmt)).scalars().all())


async def _order(client: httpx.AsyncClient, trade_no: str) -> TopUp:
    async with runtime_of(client).database.reader() as session:
        row = (await session.execute(select(TopUp).where(TopUp.trade_no == trade_no))).scalar_one()
        return row


async def _setup_epay(client: httpx.AsyncClient, root: Actor) -> None:
    await _options(
        client,
        root,
        ServerAddress="https://gw.example",
        PayAddress="https://pay.example",
        EpayId="1001",
        EpayKey=EPAY_KEY,
        Price="7.3",
        MinTopUp="2",
    )


def _notify(trade_no: str, *, money: str = "73.00", key: str = EPAY_KEY) -> dict[str, str]:
    params = {
        "pid": "1001",
        "trade_no": "2024000001",
        "out_trade_no": trade_no,
        "type": "wxpay",
        "name": "TUC10",
        "money": money,
        "trade_status": "TRADE_SUCCESS",
    }
    params["sign"] = epay.sign(params, key)
    params["sign_type"] = "MD5"
    return params


async def test_topup_info_and_price_preview(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    info = await ok(await app_client.get("/api/user/topup/info", headers=alice.headers))
    assert info["enable_online_topup"] is False and info["pay_methods"] == []
    await _setup_epay(app_client, root)
    await _options(
        app_client,
        root,
        StripeApiSecret="sk_test_x",
        StripeWebhookSecret=STRIPE_WHSEC,
        StripePriceId="price_1",
        **{"payment_setting.amount_discount": '{"100": 0.9}'},
    )
    info = await ok(await app_client.get("/api/user/topup/info", headers=alice.headers))
    assert info["enable_online_topup"] and info["enable_stripe_topup"]
    assert info["enable_creem_topup"] is False
    assert [m["type"] for m in info["pay_methods"]] == ["alipay", "wxpay", "stripe"]
    assert info["min_topup"] == 2 and info["amount_options"]

    preview = await app_client.post("/api/user/amount", json={"amount": 10}, headers=alice.headers)
    assert preview.json() == {"message": "success", "data": "73.00"}
    discounted = await app_client.post(
        "/api/user/amount", json={"amount": 100}, headers=alice.headers
    )
    assert discounted.json()["data"] == "657.00"
    low = await app_client.post("/api/user/amount", json={"amount": 1}, headers=alice.headers)
    assert low.json() == {"message": "error", "data": "充值数量不能小于 2"}
    stripe_price = await app_client.post(
        "/api/user/stripe/amount", json={"amount": 3}, headers=alice.headers
    )
    assert stripe_price.json() == {"message": "success", "data": "24.00"}


async def test_epay_order_and_notify(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    await _setup_epay(app_client, root)
    bad_method = await app_client.post(
        "/api/user/pay", json={"amount": 10, "payment_method": "paypal"}, headers=alice.headers
    )
    assert bad_method.json() == {"message": "error", "data": "支付方式不存在"}

    paid = await app_client.post(
        "/api/user/pay", json={"amount": 10, "payment_method": "alipay"}, headers=alice.headers
    )
    body = paid.json()
    assert body["message"] == "success" and body["url"] == "https://pay.example/submit.php"
    form = body["data"]
    assert form["sign"] == epay.sign(form, EPAY_KEY) and form["sign_type"] == "MD5"
    assert (form["pid"], form["type"], form["money"]) == ("1001", "alipay", "73.00")
    assert form["notify_url"] == "https://gw.example/api/user/epay/notify"
    trade_no = form["out_trade_no"]
    assert trade_no.startswith(f"USR{alice.id}NO")
    assert (await _order(app_client, trade_no)).status == "pending"

    forged = _notify(trade_no, key="not-the-key")
    response = await app_client.get("/api/user/epay/notify", params=forged)
    assert response.text == "fail"
    tampered = {**_notify(trade_no), "money": "0.01"}
    assert (await app_client.get("/api/user/epay/notify", params=tampered)).text == "fail"
    assert await _quota(app_client, alice.id) == 0

    good = _notify(trade_no)
    assert (await app_client.get("/api/user/epay/notify", params=good)).text == "success"
    assert await _quota(app_client, alice.id) == 10 * 500_000
    order = await _order(app_client, trade_no)
    assert (order.status, order.payment_method) == ("success", "wxpay")
    assert order.complete_time > 0
    # Replays (GET again, or POSTed as a form) are acknowledged and credit nothing more.
    assert (await app_client.get("/api/user/epay/notify", params=good)).text == "success"
    assert (await app_client.post("/api/user/epay/notify", data=good)).text == "success"
    assert await _quota(app_client, alice.id) == 10 * 500_000
    logs = await _topup_logs(app_client, alice.id)
    assert len(logs) == 1 and "在线充值成功" in logs[0].content

    own = await ok(await app_client.get("/api/user/topup/self", headers=alice.headers))
    assert [item["trade_no"] for item in own["items"]] == [trade_no]
    assert own["items"][0]["status"] == "success"


async def test_epay_post_notify_for_unknown_order(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    await _setup_epay(app_client, root)
    response = await app_client.post("/api/user/epay/notify", data=_notify("USR9NOnope"))
    assert response.text == "success"  # signed but unknown: acknowledged, nothing credited
    assert (await app_client.get("/api/user/epay/notify")).text == "fail"


def _stripe_header(payload: bytes, *, secret: str = STRIPE_WHSEC, at: int | None = None) -> str:
    timestamp = int(time.time()) if at is None else at
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _stripe_event(trade_no: str, *, event_type: str = "checkout.session.completed") -> bytes:
    event = {
        "id": "evt_1",
        "object": "event",
        "type": event_type,
        "data": {
            "object": {
                "id": "cs_test_1",
                "object": "checkout.session",
                "client_reference_id": trade_no,
                "customer": "cus_123",
                "status": "complete",
                "payment_status": "paid",
                "mode": "payment",
                "amount_total": 2400,
                "currency": "usd",
            }
        },
    }
    return jsonx.dumps(event)


async def test_stripe_checkout_and_webhook(
    app_client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    await _options(
        app_client,
        root,
        ServerAddress="https://gw.example",
        StripeApiSecret="sk_test_x",
        StripeWebhookSecret=STRIPE_WHSEC,
        StripePriceId="price_123",
        StripeUnitPrice="8",
    )
    untrusted = await app_client.post(
        "/api/user/stripe/pay",
        json={"amount": 3, "payment_method": "stripe", "success_url": "https://evil.example/x"},
        headers=alice.headers,
    )
    assert untrusted.status_code == 400
    response = await app_client.post(
        "/api/user/stripe/pay",
        json={"amount": 3, "payment_method": "stripe"},
        headers=alice.headers,
    )
    body = response.json()
    assert body == {
        "message": "success",
        "data": {"pay_link": "https://checkout.stripe.test/c/pay/cs_test_1"},
    }
    [sent] = gateway.stripe_forms
    assert sent["line_items[0][price]"] == "price_123"
    assert sent["line_items[0][quantity]"] == "3"
    assert sent["mode"] == "payment" and sent["customer_creation"] == "always"
    assert sent["success_url"] == "https://gw.example/console/log"
    trade_no = sent["client_reference_id"]
    order = await _order(app_client, trade_no)
    assert (order.status, order.gateway_trade_no, order.money) == ("pending", "cs_test_1", 24.0)

    payload = _stripe_event(trade_no)
    bad = await app_client.post(
        "/api/stripe/webhook",
        content=payload,
        headers={"Stripe-Signature": _stripe_header(payload, secret="whsec_wrong")},
    )
    assert bad.status_code == 400
    stale = await app_client.post(
        "/api/stripe/webhook",
        content=payload,
        headers={"Stripe-Signature": _stripe_header(payload, at=int(time.time()) - 3600)},
    )
    assert stale.status_code == 400
    assert await _quota(app_client, alice.id) == 0

    for _ in range(2):  # the delivery and its replay
        delivered = await app_client.post(
            "/api/stripe/webhook",
            content=payload,
            headers={"Stripe-Signature": _stripe_header(payload)},
        )
        assert delivered.status_code == 200
    assert await _quota(app_client, alice.id) == 3 * 500_000
    assert len(await _topup_logs(app_client, alice.id)) == 1
    assert (await _order(app_client, trade_no)).status == "success"
    async with runtime_of(app_client).database.reader() as session:
        user = await session.get(User, alice.id)
        assert user is not None and user.stripe_customer == "cus_123"

    # The next checkout reuses the customer; an expired session marks its order expired.
    await app_client.post(
        "/api/user/stripe/pay",
        json={"amount": 2, "payment_method": "stripe"},
        headers=alice.headers,
    )
    assert gateway.stripe_forms[1]["customer"] == "cus_123"
    second = gateway.stripe_forms[1]["client_reference_id"]
    expired = _stripe_event(second, event_type="checkout.session.expired")
    await app_client.post(
        "/api/stripe/webhook",
        content=expired,
        headers={"Stripe-Signature": _stripe_header(expired)},
    )
    assert (await _order(app_client, second)).status == "expired"
    late = _stripe_event(second)
    await app_client.post(
        "/api/stripe/webhook", content=late, headers={"Stripe-Signature": _stripe_header(late)}
    )
    assert await _quota(app_client, alice.id) == 3 * 500_000


async def test_stripe_webhook_disabled_without_secret(app_client: httpx.AsyncClient) -> None:
    await setup_root(app_client)
    payload = _stripe_event("ref_x")
    response = await app_client.post(
        "/api/stripe/webhook",
        content=payload,
        headers={"Stripe-Signature": _stripe_header(payload)},
    )
    assert response.status_code == 403


def _creem_event(trade_no: str, *, status: str = "paid") -> bytes:
    event = {
        "id": "evt_c1",
        "eventType": "checkout.completed",
        "object": {
            "id": "ch_1",
            "request_id": trade_no,
            "order": {"id": "ord_1", "status": status, "type": "onetime", "amount": 500},
            "customer": {"email": "alice@pay.example", "name": "Alice"},
        },
    }
    return jsonx.dumps(event)


async def test_creem_checkout_and_webhook(
    app_client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    root = await setup_root(app_client)
    alice = await create_user(app_client, root, "alice")
    products = [
        {"productId": "prod_1", "name": "Starter", "price": 5, "currency": "USD", "quota": 250000}
    ]
    await _options(
        app_client,
        root,
        CreemApiKey="creem_key",
        CreemProducts=jsonx.dumps_str(products),
        CreemWebhookSecret=CREEM_SECRET,
    )
    info = await ok(await app_client.get("/api/user/topup/info", headers=alice.headers))
    assert info["enable_creem_topup"] is True
    missing = await app_client.post(
        "/api/user/creem/pay",
        json={"product_id": "nope", "payment_method": "creem"},
        headers=alice.headers,
    )
    assert missing.json() == {"message": "error", "data": "产品不存在"}
    response = await app_client.post(
        "/api/user/creem/pay",
        json={"product_id": "prod_1", "payment_method": "creem"},
        headers=alice.headers,
    )
    body = response.json()
    assert body["message"] == "success"
    assert body["data"]["checkout_url"] == "https://creem.test/checkout/ch_1"
    trade_no = body["data"]["order_id"]
    [sent] = gateway.creem_bodies
    assert (sent["product_id"], sent["request_id"]) == ("prod_1", trade_no)
    assert gateway.creem_headers[0]["x-api-key"] == "creem_key"

    payload = _creem_event(trade_no)
    unsigned = await app_client.post("/api/creem/webhook", content=payload)
    assert unsigned.status_code == 401
    forged = await app_client.post(
        "/api/creem/webhook",
        content=payload,
        headers={"creem-signature": creem.signature(payload, "wrong")},
    )
    assert forged.status_code == 401
    assert await _quota(app_client, alice.id) == 0
    signature = creem.signature(payload, CREEM_SECRET)
    for _ in range(2):
        delivered = await app_client.post(
            "/api/creem/webhook", content=payload, headers={"creem-signature": signature}
        )
        assert delivered.status_code == 200
    assert await _quota(app_client, alice.id) == 250000
    assert len(await _topup_logs(app_client, alice.id)) == 1
    async with runtime_of(app_client).database.reader() as session:
        user = await session.get(User, alice.id)
        assert user is not None and user.email == "alice@pay.example"


async def test_admin_lists_and_completes(app_client: httpx.AsyncClient) -> None:
    root = await setup_root(app_client)
    admin = await create_user(app_client, root, "admin", role=10)
    alice = await create_user(app_client, root, "alice")
    await _setup_epay(app_client, root)
    form = (
        await app_client.post(
            "/api/user/pay", json={"amount": 4, "payment_method": "alipay"}, headers=alice.headers
        )
    ).json()["data"]
    trade_no = form["out_trade_no"]
    # Pending orders stay out of the user's history but are in the admin list.
    assert (await ok(await app_client.get("/api/user/topup/self", headers=alice.headers)))[
        "total"
    ] == 0
    listed = await ok(await app_client.get("/api/user/topup", headers=admin.headers))
    assert [item["trade_no"] for item in listed["items"]] == [trade_no]
    searched = await ok(
        await app_client.get(f"/api/user/topup?keyword={trade_no[-6:]}", headers=admin.headers)
    )
    assert searched["total"] == 1
    assert "权限不足" in refused(await app_client.get("/api/user/topup", headers=alice.headers))
    assert refused(
        await app_client.post(
            "/api/user/topup/complete", json={"trade_no": "x"}, headers=admin.headers
        )
    )

    await ok(
        await app_client.post(
            "/api/user/topup/complete", json={"trade_no": trade_no}, headers=admin.headers
        )
    )
    await ok(
        await app_client.post(
            "/api/user/topup/complete", json={"trade_no": trade_no}, headers=admin.headers
        )
    )
    assert await _quota(app_client, alice.id) == 4 * 500_000
    logs = await _topup_logs(app_client, alice.id)
    assert len(logs) == 1 and "管理员补单成功" in logs[0].content
    # The gateway's late notify for the same order credits nothing more.
    assert (
        await app_client.get("/api/user/epay/notify", params=_notify(trade_no))
    ).text == "success"
    assert await _quota(app_client, alice.id) == 4 * 500_000
    async with runtime_of(app_client).database.reader() as session:
        count = (await session.execute(select(func.count()).select_from(TopUp))).scalar_one()
    assert count == 1
