"""Creem checkouts and webhook signatures (HMAC-SHA256 of the raw body, hex, ``creem-signature``)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from relaygate.auth import http
from relaygate.kit import jsonx

SIGNATURE_HEADER = "creem-signature"
API_BASE = "https://api.creem.io"
TEST_API_BASE = "https://test-api.creem.io"
TIMEOUT = 30.0


class CreemError(Exception):
    """Creem refused or could not be reached."""


def signature(body: bytes, secret: str) -> str:
    """The expected ``creem-signature`` of ``body``."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, given: str, secret: str, *, test_mode: bool) -> bool:
    """Whether ``given`` signs ``body``; without a secret only test mode passes (as new-api)."""
    if not secret:
        return test_mode
    return hmac.compare_digest(given, signature(body, secret))


async def create_checkout(
    *,
    api_key: str,
    test_mode: bool,
    product: dict[str, Any],
    request_id: str,
    email: str,
    username: str,
) -> str:
    """Open a checkout for one product; return its URL. ``request_id`` comes back in the webhook."""
    base = TEST_API_BASE if test_mode else API_BASE
    body = {
        "product_id": str(product.get("productId", "")),
        "request_id": request_id,
        "customer": {"email": email},
        "metadata": {
            "username": username,
            "reference_id": request_id,
            "product_name": str(product.get("name", "")),
            "quota": str(product.get("quota", 0)),
        },
    }
    headers = {"Content-Type": "application/json", "x-api-key": api_key}
    try:
        resp = await http.request(
            "POST",
            f"{base}/v1/checkouts",
            data=jsonx.dumps(body),
            headers=headers,
            total=TIMEOUT,
            follow_redirects=True,
        )
    except http.HttpError as exc:
        raise CreemError(f"Creem API unreachable: {exc}") from exc
    if resp.status // 100 != 2:
        raise CreemError(f"Creem API http status {resp.status}")
    try:
        parsed = jsonx.loads(resp.body)
    except ValueError as exc:
        raise CreemError("Creem API answered with invalid JSON") from exc
    url = parsed.get("checkout_url", "") if isinstance(parsed, dict) else ""
    if not url:
        raise CreemError("Creem API resp no checkout url")
    return str(url)
