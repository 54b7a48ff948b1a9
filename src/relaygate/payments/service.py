"""Top-up rules: prices and minimums, creating orders at each gateway, and crediting them once.

Every path that credits an order (epay notify, Stripe and Creem webhooks, admin completion)
goes through ``complete``: one conditional UPDATE moves the order from pending to success, and
only the caller whose UPDATE matched adds the quota and writes the top-up log row.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.auth.deps import Caller
from relaygate.db.models.log import LOG_TYPE_TOPUP, Log
from relaygate.db.models.topup import (
    PROVIDER_CREEM,
    PROVIDER_EPAY,
    PROVIDER_STRIPE,
    TOPUP_STATUS_EXPIRED,
    TOPUP_STATUS_FAILED,
    TOPUP_STATUS_PENDING,
    TOPUP_STATUS_SUCCESS,
    TopUp,
)
from relaygate.db.session import Database
from relaygate.errors import ApiRefused
from relaygate.kit import clock, ids, jsonx
from relaygate.kit.envelope import Page
from relaygate.logs import repository as logs_repository
from relaygate.logs.service import quota_text
from relaygate.misc.paging import PageQuery
from relaygate.options.snapshot import OptionsSnapshot
from relaygate.payments import creem, epay, repository
from relaygate.payments import stripe as stripe_pay
from relaygate.payments.schemas import (
    CreemPayRequest,
    EpayRequest,
    StripePayRequest,
    TopUpPublic,
)
from relaygate.payments.settings import PaymentSettings
from relaygate.users import repository as users_repository

log = logging.getLogger(__name__)

STRIPE_MAX_AMOUNT = 10_000
USER_HISTORY_WINDOW = 30 * 24 * 3600


class PayRefused(Exception):
    """A refusal the pay routes answer as ``{"message": "error", "data": reason}``."""

    def __init__(self, reason: str, *, status_code: int = 200) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status_code = status_code


@dataclass(frozen=True, slots=True)
class Credited:
    """An order this call completed: who to announce and how much was added."""

    user_id: int
    quota: int


def _money_text(value: Decimal) -> str:
    return f"{value:.2f}"


def _order_quota(order: TopUp, settings: PaymentSettings) -> int:
    # Creem orders store the quota itself; epay and Stripe store money units.
    if order.payment_provider == PROVIDER_CREEM:
        return order.amount
    return int(Decimal(order.amount) * settings.quota_per_unit)


def _log_content(source: str, quota: int, order: TopUp, options: OptionsSnapshot) -> str:
    if source == "admin":
        return f"管理员补单成功，充值金额: {quota_text(quota, options)}，支付金额：{order.money:f}"
    if source == PROVIDER_CREEM:
        return f"使用Creem充值成功，充值额度: {quota}，支付金额：{order.money:.2f}"
    if source == PROVIDER_STRIPE:
        return (
            f"使用在线充值成功，充值金额: {quota_text(quota, options)}，支付金额：{order.money:.2f}"
        )
    return f"使用在线充值成功，充值金额: {quota_text(quota, options)}，支付金额：{order.money:f}"


async def complete(
    session: AsyncSession,
    trade_no: str,
    *,
    provider: str | None,
    source: str,
    options: OptionsSnapshot,
    ip: str = "",
) -> Credited | None:
    """Credit a pending order once; None when it was already complete (a replay).

    Refuses an unknown order, one from another provider, and one that failed or expired.
    """
    now = clock.now()
    won = await repository.mark_success(session, trade_no, now, provider=provider)
    order = await repository.get_by_trade_no(session, trade_no)
    if order is None:
        raise ApiRefused("充值订单不存在")
    if not won:
        if provider is not None and order.payment_provider != provider:
            raise ApiRefused("payment method mismatch")
        if order.status == TOPUP_STATUS_SUCCESS:
            return None
        raise ApiRefused("订单状态不是待支付，无法补单")
    settings = PaymentSettings.of(options)
    quota = _order_quota(order, settings)
    if quota <= 0:
        raise ApiRefused("无效的充值额度")
    await users_repository.add_quota(session, order.user_id, quota)
    user = await users_repository.get(session, order.user_id)
    await logs_repository.add(
        session,
        Log(
            user_id=order.user_id,
            username=user.username if user else "",
            type=LOG_TYPE_TOPUP,
            content=_log_content(source, quota, order, options),
            ip=ip,
            created_at=now,
            other=jsonx.dumps_str({"payment_method": order.payment_method, "source": source}),
        ),
    )
    return Credited(user_id=order.user_id, quota=quota)


# ------------------------------------------------------------------------------ reading


def topup_info(settings: PaymentSettings) -> dict[str, Any]:
    """What the wallet page needs: enabled gateways, methods, minimums and amount presets."""
    methods = [dict(m) for m in settings.pay_methods] if settings.epay_enabled else []
    if settings.stripe_enabled and not any(m.get("type") == "stripe" for m in methods):
        methods.append(
            {
                "name": "Stripe",
                "type": "stripe",
                "color": "rgba(var(--semi-purple-5), 1)",
                "min_topup": str(settings.stripe_min_topup),
            }
        )
    return {
        "enable_online_topup": settings.epay_enabled
        or settings.stripe_enabled
        or settings.creem_enabled,
        "enable_stripe_topup": settings.stripe_enabled,
        "enable_creem_topup": settings.creem_enabled,
        "enable_redemption": True,
        "creem_products": settings.creem_products_raw,
        "pay_methods": methods,
        "min_topup": settings.min_topup,
        "stripe_min_topup": settings.stripe_min_topup,
        "amount_options": settings.amount_options,
        "discount": settings.amount_discount,
        "topup_link": settings.topup_link,
    }


def preview_amount(settings: PaymentSettings, amount: int, *, gateway: str = PROVIDER_EPAY) -> str:
    """The price of ``amount`` as text with two decimals."""
    if gateway == PROVIDER_STRIPE:
        minimum = settings.min_topup_amount(settings.stripe_min_topup)
        money = settings.stripe_money(amount)
    else:
        minimum = settings.min_topup_amount(settings.min_topup)
        money = settings.epay_money(amount)
    if amount < minimum:
        raise PayRefused(f"充值数量不能小于 {minimum}")
    if money <= Decimal("0.01"):
        raise PayRefused("充值金额过低")
    return _money_text(money)


async def list_own(
    session: AsyncSession, user_id: int, page: PageQuery, keyword: str
) -> Page[TopUpPublic]:
    """The caller's finished orders of the last 30 days."""
    rows, total = await repository.list_page(
        session,
        offset=page.offset,
        limit=page.page_size,
        keyword=keyword,
        user_id=user_id,
        since=clock.now() - USER_HISTORY_WINDOW,
    )
    items = [TopUpPublic.model_validate(r) for r in rows]
    return Page[TopUpPublic](page=page.page, page_size=page.page_size, total=total, items=items)


async def list_all(session: AsyncSession, page: PageQuery, keyword: str) -> Page[TopUpPublic]:
    """Every order (admin), optionally searched by trade number."""
    rows, total = await repository.list_page(
        session, offset=page.offset, limit=page.page_size, keyword=keyword
    )
    items = [TopUpPublic.model_validate(r) for r in rows]
    return Page[TopUpPublic](page=page.page, page_size=page.page_size, total=total, items=items)


# --------------------------------------------------------------------------------- epay


async def request_epay(
    database: Database, caller: Caller, body: EpayRequest, settings: PaymentSettings
) -> epay.Purchase:
    """Create a pending epay order and the signed form that starts paying it."""
    minimum = settings.min_topup_amount(settings.min_topup)
    if body.amount < minimum:
        raise PayRefused(f"充值数量不能小于 {minimum}")
    money = settings.epay_money(body.amount)
    if money < Decimal("0.01"):
        raise PayRefused("充值金额过低")
    method = body.payment_method.strip()
    if method in ("stripe", "creem") or not any(
        m.get("type") == method for m in settings.pay_methods
    ):
        raise PayRefused("支付方式不存在")
    if not settings.epay_enabled:
        raise PayRefused("当前管理员未配置支付信息")
    trade_no = f"USR{caller.id}NO{ids.random_string(6)}{int(time.time())}"
    form = epay.purchase(
        address=settings.pay_address,
        partner_id=settings.epay_id,
        key=settings.epay_key,
        pay_type=method,
        trade_no=trade_no,
        name=f"TUC{body.amount}",
        money=_money_text(money),
        notify_url=f"{settings.callback_address}/api/user/epay/notify",
        return_url=f"{settings.server_address}/console/log",
    )
    async with database.unit_of_work() as session:
        await repository.add(
            session,
            TopUp(
                user_id=caller.id,
                amount=settings.normalized_amount(body.amount),
                money=float(round(money, 2)),
                payment_currency="",
                trade_no=trade_no,
                payment_method=method,
                payment_provider=PROVIDER_EPAY,
                create_time=clock.now(),
                status=TOPUP_STATUS_PENDING,
            ),
        )
    return form


async def epay_notify(
    database: Database, params: Mapping[str, str], options: OptionsSnapshot, ip: str
) -> tuple[str, Credited | None]:
    """Verify a notify and credit its order; the text to answer (``success`` or ``fail``)."""
    settings = PaymentSettings.of(options)
    if not settings.epay_enabled or not params:
        return "fail", None
    notice = epay.verify(params, settings.epay_key)
    if notice is None:
        log.warning("epay notify with a bad signature from %s", ip)
        return "fail", None
    if notice.trade_status != epay.TRADE_SUCCESS:
        return "success", None
    try:
        async with database.unit_of_work() as session:
            credited = await complete(
                session,
                notice.trade_no,
                provider=PROVIDER_EPAY,
                source=PROVIDER_EPAY,
                options=options,
                ip=ip,
            )
            if credited is not None and notice.pay_type:
                order = await repository.get_by_trade_no(session, notice.trade_no)
                if order is not None and order.payment_method != notice.pay_type:
                    await repository.set_payment_method(session, order.id, notice.pay_type)
    except ApiRefused as refused:
        # Permanent: retrying the notify cannot fix it, so acknowledge as new-api does.
        log.warning("epay notify for %s not credited: %s", notice.trade_no, refused.message)
        return "success", None
    return "success", credited


# ------------------------------------------------------------------------------- stripe


def _trusted_redirect(url: str, settings: PaymentSettings) -> bool:
    if not url:
        return True
    if not settings.server_address:
        return False
    given, server = urlsplit(url), urlsplit(settings.server_address)
    return (given.scheme, given.netloc) == (server.scheme, server.netloc)


def _reference(prefix: str, user_id: int) -> str:
    raw = f"{prefix}-{user_id}-{int(time.time() * 1000)}-{secrets.token_hex(2)}"
    return "ref_" + hashlib.sha1(raw.encode()).hexdigest()  # an id, not a secret


async def request_stripe(
    database: Database, caller: Caller, body: StripePayRequest, settings: PaymentSettings
) -> str:
    """Create a pending Stripe order and its Checkout Session; return the pay link."""
    if body.payment_method != "stripe":
        raise PayRefused("不支持的支付渠道")
    minimum = settings.min_topup_amount(settings.stripe_min_topup)
    if body.amount < minimum:
        raise PayRefused(f"充值数量不能小于 {minimum}")
    if body.amount > STRIPE_MAX_AMOUNT:
        raise PayRefused(f"充值数量不能大于 {STRIPE_MAX_AMOUNT}")
    if not _trusted_redirect(body.success_url, settings):
        raise PayRefused("支付成功重定向URL不在可信任域名列表中", status_code=400)
    if not _trusted_redirect(body.cancel_url, settings):
        raise PayRefused("支付取消重定向URL不在可信任域名列表中", status_code=400)
    if not settings.stripe_enabled:
        raise PayRefused("当前管理员未配置支付信息")
    money = settings.stripe_money(body.amount)
    if money <= Decimal("0.01"):
        raise PayRefused("充值金额过低")
    amount = settings.normalized_amount(body.amount)
    trade_no = _reference("new-api-ref", caller.id)
    async with database.unit_of_work() as session:
        user = await users_repository.get(session, caller.id)
        if user is None:
            raise PayRefused("用户不存在")
        email, customer = user.email, user.stripe_customer
        await repository.add(
            session,
            TopUp(
                user_id=caller.id,
                amount=amount,
                money=float(round(money, 2)),
                payment_currency="USD",
                trade_no=trade_no,
                payment_method="stripe",
                payment_provider=PROVIDER_STRIPE,
                create_time=clock.now(),
                status=TOPUP_STATUS_PENDING,
            ),
        )
    try:
        checkout = await stripe_pay.create_checkout_session(
            api_secret=settings.stripe_api_secret,
            price_id=settings.stripe_price_id,
            quantity=amount,
            trade_no=trade_no,
            success_url=body.success_url or f"{settings.server_address}/console/log",
            cancel_url=body.cancel_url or f"{settings.server_address}/console/topup",
            customer_id=customer,
            email=email,
            allow_promotion_codes=settings.stripe_promotion_codes,
        )
    except stripe_pay.StripeError as exc:
        log.error("Stripe checkout for %s failed: %s", trade_no, exc)
        checkout = None
    async with database.unit_of_work() as session:
        if checkout is None or not checkout.url:
            await repository.mark_pending_as(
                session, trade_no, TOPUP_STATUS_FAILED, provider=PROVIDER_STRIPE
            )
        else:
            await repository.set_gateway_trade_no(session, trade_no, checkout.id)
    if checkout is None or not checkout.url:
        raise PayRefused("拉起支付失败")
    return checkout.url


async def stripe_webhook(
    database: Database, payload: bytes, signature: str, options: OptionsSnapshot, ip: str
) -> tuple[int, Credited | None]:
    """Verify and apply one Stripe event; the HTTP status to answer.

    403 when Stripe is not configured, 400 for a bad signature, 500 for a transient failure
    (Stripe retries), 200 otherwise, including replays of events already applied.
    """
    settings = PaymentSettings.of(options)
    if not (settings.stripe_api_secret and settings.stripe_webhook_secret):
        return 403, None
    try:
        event = stripe_pay.verified_event(payload, signature, settings.stripe_webhook_secret)
    except stripe_pay.StripeError as exc:
        log.warning("Stripe webhook signature rejected from %s: %s", ip, exc)
        return 400, None
    obj = stripe_pay.event_object(event)
    trade_no = str(obj.get("client_reference_id") or "")
    event_type = event.type
    if event_type == "checkout.session.completed":
        if obj.get("status") != "complete" or obj.get("mode", "payment") != "payment":
            return 200, None
        if obj.get("payment_status") not in ("paid", "no_payment_required"):
            return 200, None  # delayed methods finish with async_payment_succeeded
    elif event_type == "checkout.session.async_payment_succeeded":
        pass
    elif event_type in ("checkout.session.expired", "checkout.session.async_payment_failed"):
        if trade_no:
            status = TOPUP_STATUS_EXPIRED if event_type.endswith("expired") else TOPUP_STATUS_FAILED
            async with database.unit_of_work() as session:
                await repository.mark_pending_as(
                    session, trade_no, status, provider=PROVIDER_STRIPE
                )
        return 200, None
    else:
        return 200, None
    if not trade_no:
        return 200, None
    customer = str(obj.get("customer") or "")
    try:
        async with database.unit_of_work() as session:
            credited = await complete(
                session,
                trade_no,
                provider=PROVIDER_STRIPE,
                source=PROVIDER_STRIPE,
                options=options,
                ip=ip,
            )
            if credited is not None and customer:
                await repository.set_stripe_customer(session, credited.user_id, customer)
    except ApiRefused as refused:
        log.warning("Stripe event %s for %s not credited: %s", event.id, trade_no, refused.message)
        return 200, None
    return 200, credited


# -------------------------------------------------------------------------------- creem


async def request_creem(
    database: Database, caller: Caller, body: CreemPayRequest, settings: PaymentSettings
) -> dict[str, str]:
    """Create a pending Creem order for a configured product; return its checkout URL and id."""
    if body.payment_method != "creem":
        raise PayRefused("不支持的支付渠道")
    if not body.product_id:
        raise PayRefused("请选择产品")
    product = next(
        (p for p in settings.creem_products if str(p.get("productId", "")) == body.product_id), None
    )
    if product is None:
        raise PayRefused("产品不存在")
    if not settings.creem_api_key:
        raise PayRefused("当前管理员未配置支付信息")
    trade_no = _reference("creem-api-ref", caller.id)
    async with database.unit_of_work() as session:
        user = await users_repository.get(session, caller.id)
        if user is None:
            raise PayRefused("用户不存在")
        email, username = user.email, user.username
        await repository.add(
            session,
            TopUp(
                user_id=caller.id,
                amount=int(product.get("quota", 0) or 0),
                money=float(product.get("price", 0) or 0),
                payment_currency=str(product.get("currency", "")),
                trade_no=trade_no,
                payment_method="creem",
                payment_provider=PROVIDER_CREEM,
                create_time=clock.now(),
                status=TOPUP_STATUS_PENDING,
            ),
        )
    try:
        url = await creem.create_checkout(
            api_key=settings.creem_api_key,
            test_mode=settings.creem_test_mode,
            product=product,
            request_id=trade_no,
            email=email,
            username=username,
        )
    except creem.CreemError as exc:
        log.error("Creem checkout for %s failed: %s", trade_no, exc)
        async with database.unit_of_work() as session:
            await repository.mark_pending_as(
                session, trade_no, TOPUP_STATUS_FAILED, provider=PROVIDER_CREEM
            )
        raise PayRefused("拉起支付失败") from exc
    return {"checkout_url": url, "order_id": trade_no}


async def creem_webhook(
    database: Database, body: bytes, signature: str, options: OptionsSnapshot, ip: str
) -> tuple[int, Credited | None]:
    """Verify and apply one Creem event; the HTTP status to answer (new-api's choices)."""
    settings = PaymentSettings.of(options)
    if not settings.creem_webhook_enabled:
        return 403, None
    if not signature:
        return 401, None
    if not creem.verify(
        body, signature, settings.creem_webhook_secret, test_mode=settings.creem_test_mode
    ):
        log.warning("Creem webhook signature rejected from %s", ip)
        return 401, None
    try:
        event = jsonx.loads(body)
    except ValueError:
        return 400, None
    if not isinstance(event, dict) or event.get("eventType") != "checkout.completed":
        return 200, None
    obj = event.get("object") or {}
    order_info = obj.get("order") or {}
    if order_info.get("status") != "paid":
        return 200, None
    trade_no = str(obj.get("request_id") or "")
    if not trade_no:
        return 400, None
    if order_info.get("type") != "onetime":
        return 200, None
    email = str((obj.get("customer") or {}).get("email") or "")
    async with database.unit_of_work() as session:
        if await repository.get_by_trade_no(session, trade_no) is None:
            return 400, None
    try:
        async with database.unit_of_work() as session:
            credited = await complete(
                session,
                trade_no,
                provider=PROVIDER_CREEM,
                source=PROVIDER_CREEM,
                options=options,
                ip=ip,
            )
            if credited is not None and email:
                await repository.set_email_if_empty(session, credited.user_id, email)
    except ApiRefused as refused:
        log.warning("Creem order %s not credited: %s", trade_no, refused.message)
        return 500, None
    return 200, credited


# -------------------------------------------------------------------------------- admin


async def admin_complete(
    session: AsyncSession, trade_no: str, options: OptionsSnapshot, ip: str
) -> Credited | None:
    """An admin marks a pending order paid (any provider); completing twice is a no-op."""
    trade_no = trade_no.strip()
    if not trade_no:
        raise ApiRefused("参数错误")
    return await complete(session, trade_no, provider=None, source="admin", options=options, ip=ip)
