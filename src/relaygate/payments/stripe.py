"""Stripe Checkout sessions and webhook verification through the official ``stripe`` library.

The API base is read from ``stripe.api_base`` at call time, so tests can point it at a fake.
The library (several MiB) is imported on first use, not with the app; requests go over the
shared session of :mod:`relaygate.auth.http`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from relaygate.auth import http

if TYPE_CHECKING:
    import stripe


class StripeError(Exception):
    """Stripe refused the request or could not be reached."""


@dataclass(frozen=True, slots=True)
class CheckoutSession:
    """The two fields top-up needs from a created session."""

    id: str
    url: str


async def create_checkout_session(
    *,
    api_secret: str,
    price_id: str,
    quantity: int,
    trade_no: str,
    success_url: str,
    cancel_url: str,
    customer_id: str,
    email: str,
    allow_promotion_codes: bool,
) -> CheckoutSession:
    """A payment-mode Checkout Session for ``quantity`` units of ``price_id``."""
    import stripe

    if not api_secret.startswith(("sk_", "rk_")):
        raise StripeError("无效的Stripe API密钥")
    params: dict[str, Any] = {
        "client_reference_id": trade_no,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "line_items": [{"price": price_id, "quantity": quantity}],
        "mode": "payment",
        "payment_intent_data": {"metadata": {"trade_no": trade_no, "source": "relaygate"}},
    }
    if allow_promotion_codes:
        params["allow_promotion_codes"] = True
    if customer_id:
        params["customer"] = customer_id
    else:
        if email:
            params["customer_email"] = email
        params["customer_creation"] = "always"
    http_client = stripe.AIOHTTPClient(session=http.session())
    client = stripe.StripeClient(
        api_secret,
        base_addresses={"api": stripe.api_base},
        http_client=http_client,
        max_network_retries=0,
    )
    try:
        session = await client.v1.checkout.sessions.create_async(
            params,  # type: ignore[arg-type]
            {"idempotency_key": f"topup-stripe:{trade_no}"},
        )
    except stripe.StripeError as exc:
        raise StripeError(str(exc)) from exc
    return CheckoutSession(id=str(session.id or ""), url=str(session.url or ""))


def verified_event(payload: bytes, signature: str, secret: str) -> stripe.Event:
    """The event if ``Stripe-Signature`` signs ``payload`` within the tolerance; raises otherwise."""
    import stripe

    try:
        event: stripe.Event = stripe.Webhook.construct_event(payload, signature, secret)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise StripeError(str(exc)) from exc
    return event


def event_object(event: stripe.Event) -> dict[str, Any]:
    """The event's ``data.object`` as a plain dict."""
    obj: Any = event.data.object
    return dict(obj.to_dict()) if hasattr(obj, "to_dict") else dict(obj)
