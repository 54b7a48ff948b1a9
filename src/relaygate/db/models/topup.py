"""``top_ups``: one online payment order per row (new-api model/topup.go).

``amount`` is what the user asked for (display units for epay and Stripe, quota for Creem);
``money`` is what the gateway charges. An order goes ``pending`` → ``success`` exactly once.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from relaygate.db.base import Base

TOPUP_STATUS_PENDING = "pending"
TOPUP_STATUS_SUCCESS = "success"
TOPUP_STATUS_FAILED = "failed"
TOPUP_STATUS_EXPIRED = "expired"

PROVIDER_EPAY = "epay"
PROVIDER_STRIPE = "stripe"
PROVIDER_CREEM = "creem"


class TopUp(Base):
    __tablename__ = "top_ups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, default=0, index=True)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    money: Mapped[float] = mapped_column(Float, default=0.0)
    payment_currency: Mapped[str] = mapped_column(String(10), default="")
    trade_no: Mapped[str] = mapped_column(String(255), unique=True)
    gateway_trade_no: Mapped[str] = mapped_column(String(255), default="", index=True)
    payment_method: Mapped[str] = mapped_column(String(50), default="")
    payment_provider: Mapped[str] = mapped_column(String(50), default="")
    create_time: Mapped[int] = mapped_column(BigInteger, default=0)
    complete_time: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(32), default=TOPUP_STATUS_PENDING)
