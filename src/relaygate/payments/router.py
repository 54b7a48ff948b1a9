"""Top-up routes: wallet info, price previews, gateway orders, callbacks, and order lists.

The pay routes answer new-api's own shape, ``{"message": "success"|"error", "data": …}``,
which the console checks instead of the usual envelope.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from relaygate.auth.deps import AdminCaller, DbSession, RuntimeDep, UserCaller
from relaygate.kit.envelope import Envelope, Page
from relaygate.misc.paging import PageParams
from relaygate.payments import service
from relaygate.payments.schemas import (
    AmountRequest,
    CompleteRequest,
    CreemPayRequest,
    EpayRequest,
    StripePayRequest,
    TopUpPublic,
)
from relaygate.payments.service import Credited, PayRefused
from relaygate.payments.settings import PaymentSettings
from relaygate.runtime import TOPIC_USERS, Runtime

router = APIRouter(prefix="/api/user", tags=["payments"])
webhooks = APIRouter(prefix="/api", tags=["payments"])


def _ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _error(exc: PayRefused) -> JSONResponse:
    return JSONResponse({"message": "error", "data": exc.reason}, status_code=exc.status_code)


async def _announce(runtime: Runtime, credited: Credited | None) -> None:
    if credited is not None:
        await runtime.changed(TOPIC_USERS, str(credited.user_id))


@router.get("/topup/info")
async def topup_info(runtime: RuntimeDep, _: UserCaller) -> Envelope[dict[str, Any]]:
    """Enabled gateways, pay methods, minimums and amount presets."""
    settings = PaymentSettings.of(runtime.options.current)
    return Envelope[dict[str, Any]](data=service.topup_info(settings))


@router.get("/topup/self")
async def own_topups(
    page: PageParams, session: DbSession, caller: UserCaller, keyword: str = ""
) -> Envelope[Page[TopUpPublic]]:
    """The caller's finished orders of the last 30 days."""
    return Envelope[Page[TopUpPublic]](
        data=await service.list_own(session, caller.id, page, keyword.strip())
    )


@router.get("/topup")
async def all_topups(
    page: PageParams, session: DbSession, _: AdminCaller, keyword: str = ""
) -> Envelope[Page[TopUpPublic]]:
    """Every order (admin)."""
    return Envelope[Page[TopUpPublic]](data=await service.list_all(session, page, keyword.strip()))


@router.post("/topup/complete")
async def admin_complete(
    body: CompleteRequest, request: Request, runtime: RuntimeDep, _: AdminCaller
) -> Envelope[Any]:
    """Mark a pending order paid and credit it (admin)."""
    async with runtime.database.unit_of_work() as session:
        credited = await service.admin_complete(
            session, body.trade_no, runtime.options.current, _ip(request)
        )
    await _announce(runtime, credited)
    return Envelope.ok()


@router.post("/amount")
async def epay_amount(body: AmountRequest, runtime: RuntimeDep, _: UserCaller) -> Response:
    """What an epay top-up of ``amount`` costs."""
    settings = PaymentSettings.of(runtime.options.current)
    try:
        price = service.preview_amount(settings, body.amount)
    except PayRefused as exc:
        return _error(exc)
    return JSONResponse({"message": "success", "data": price})


@router.post("/stripe/amount")
async def stripe_amount(body: AmountRequest, runtime: RuntimeDep, _: UserCaller) -> Response:
    """What a Stripe top-up of ``amount`` costs."""
    settings = PaymentSettings.of(runtime.options.current)
    try:
        price = service.preview_amount(settings, body.amount, gateway="stripe")
    except PayRefused as exc:
        return _error(exc)
    return JSONResponse({"message": "success", "data": price})


@router.post("/pay")
async def epay_pay(body: EpayRequest, runtime: RuntimeDep, caller: UserCaller) -> Response:
    """Create an epay order; ``url`` and the signed form in ``data`` start the payment."""
    settings = PaymentSettings.of(runtime.options.current)
    try:
        form = await service.request_epay(runtime.database, caller, body, settings)
    except PayRefused as exc:
        return _error(exc)
    return JSONResponse({"message": "success", "data": form.params, "url": form.url})


@router.api_route("/epay/notify", methods=["GET", "POST"])
async def epay_notify(request: Request, runtime: RuntimeDep) -> Response:
    """The gateway's signed notify (query string, or a form on POST); answers success/fail."""
    if request.method == "POST":
        form = await request.form()
        params = {k: v for k, v in form.items() if isinstance(v, str)}
    else:
        params = dict(request.query_params)
    text, credited = await service.epay_notify(
        runtime.database, params, runtime.options.current, _ip(request)
    )
    await _announce(runtime, credited)
    return PlainTextResponse(text)


@router.post("/stripe/pay")
async def stripe_pay(body: StripePayRequest, runtime: RuntimeDep, caller: UserCaller) -> Response:
    """Create a Stripe order and Checkout Session; ``data.pay_link`` is where to send the user."""
    settings = PaymentSettings.of(runtime.options.current)
    try:
        link = await service.request_stripe(runtime.database, caller, body, settings)
    except PayRefused as exc:
        return _error(exc)
    return JSONResponse({"message": "success", "data": {"pay_link": link}})


@router.post("/creem/pay")
async def creem_pay(body: CreemPayRequest, runtime: RuntimeDep, caller: UserCaller) -> Response:
    """Create a Creem order for a configured product; ``data.checkout_url`` starts paying."""
    settings = PaymentSettings.of(runtime.options.current)
    try:
        data = await service.request_creem(runtime.database, caller, body, settings)
    except PayRefused as exc:
        return _error(exc)
    return JSONResponse({"message": "success", "data": data})


@webhooks.post("/stripe/webhook")
async def stripe_webhook(request: Request, runtime: RuntimeDep) -> Response:
    """Stripe events, verified against ``StripeWebhookSecret``."""
    status, credited = await service.stripe_webhook(
        runtime.database,
        await request.body(),
        request.headers.get("stripe-signature", ""),
        runtime.options.current,
        _ip(request),
    )
    await _announce(runtime, credited)
    return Response(status_code=status)


@webhooks.post("/creem/webhook")
async def creem_webhook(request: Request, runtime: RuntimeDep) -> Response:
    """Creem events, verified by HMAC-SHA256 of the body with ``CreemWebhookSecret``."""
    status, credited = await service.creem_webhook(
        runtime.database,
        await request.body(),
        request.headers.get("creem-signature", ""),
        runtime.options.current,
        _ip(request),
    )
    await _announce(runtime, credited)
    return Response(status_code=status)
