"""Request and response shapes for the top-up routes, with new-api's JSON field names."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class EpayRequest(BaseModel):
    """``POST /api/user/pay``."""

    amount: int = 0
    payment_method: str = ""


class AmountRequest(BaseModel):
    """``POST /api/user/amount`` and ``/api/user/stripe/amount``."""

    amount: int = 0


class StripePayRequest(BaseModel):
    """``POST /api/user/stripe/pay``."""

    amount: int = 0
    payment_method: str = ""
    success_url: str = ""
    cancel_url: str = ""


class CreemPayRequest(BaseModel):
    """``POST /api/user/creem/pay``."""

    product_id: str = ""
    payment_method: str = ""


class CompleteRequest(BaseModel):
    """``POST /api/user/topup/complete`` (admin)."""

    trade_no: str = ""


class TopUpPublic(BaseModel):
    """One order."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    amount: int
    money: float
    payment_currency: str
    trade_no: str
    gateway_trade_no: str
    payment_method: str
    payment_provider: str
    create_time: int
    complete_time: int
    status: str
