"""The epay (易支付) protocol: MD5-signed purchase forms and notify verification.

Signing: drop ``sign``, ``sign_type`` and empty values, sort the rest by key, join as
``k=v&k=v``, append the merchant key, and take the lowercase MD5 hex digest.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

TRADE_SUCCESS = "TRADE_SUCCESS"
DEVICE_PC = "pc"


def sign(params: Mapping[str, str], key: str) -> str:
    """The MD5 signature of ``params`` under the merchant ``key``."""
    pairs = sorted((k, v) for k, v in params.items() if k not in ("sign", "sign_type") and v != "")
    text = "&".join(f"{k}={v}" for k, v in pairs) + key
    return hashlib.md5(text.encode()).hexdigest()  # the epay protocol is MD5


@dataclass(frozen=True, slots=True)
class Purchase:
    """What the console posts to the gateway: the submit URL and the signed form fields."""

    url: str
    params: dict[str, str]


def purchase(
    *,
    address: str,
    partner_id: str,
    key: str,
    pay_type: str,
    trade_no: str,
    name: str,
    money: str,
    notify_url: str,
    return_url: str,
    device: str = DEVICE_PC,
) -> Purchase:
    """A signed purchase form for ``{address}/submit.php``."""
    params = {
        "pid": partner_id,
        "type": pay_type,
        "out_trade_no": trade_no,
        "notify_url": notify_url,
        "return_url": return_url,
        "name": name,
        "money": money,
        "device": device,
    }
    params["sign"] = sign(params, key)
    params["sign_type"] = "MD5"
    return Purchase(url=f"{address.rstrip('/')}/submit.php", params=params)


@dataclass(frozen=True, slots=True)
class Notification:
    """A notify whose signature checked out."""

    trade_no: str
    """Our ``out_trade_no``."""
    gateway_trade_no: str
    pay_type: str
    money: str
    trade_status: str


def verify(params: Mapping[str, str], key: str) -> Notification | None:
    """The notification if its signature matches, else None."""
    given = params.get("sign", "")
    if not given or not hmac.compare_digest(given.lower(), sign(params, key)):
        return None
    return Notification(
        trade_no=params.get("out_trade_no", ""),
        gateway_trade_no=params.get("trade_no", ""),
        pay_type=params.get("type", ""),
        money=params.get("money", ""),
        trade_status=params.get("trade_status", ""),
    )
