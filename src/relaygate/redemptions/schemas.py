"""Request and response shapes for /api/redemption, with new-api's JSON field names."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RedemptionCreate(BaseModel):
    """A batch: ``count`` codes named ``name`` worth ``quota`` each."""

    name: str = ""
    quota: int = 100
    count: int = 0
    expired_time: int = 0
    """Unix seconds; 0 never expires."""


class RedemptionUpdate(BaseModel):
    """Edit name, quota and expiry, or with ``?status_only=1`` only the status."""

    id: int = 0
    name: str = ""
    quota: int = 0
    expired_time: int = 0
    status: int = 0


class RedemptionPublic(BaseModel):
    """One code as new-api serialises it (``count`` is a request-only field, always 0)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    key: str
    status: int
    name: str
    quota: int
    created_time: int
    redeemed_time: int
    count: int = 0
    used_user_id: int
    expired_time: int


class RedeemRequest(BaseModel):
    """``POST /api/user/topup``."""

    key: str = ""
