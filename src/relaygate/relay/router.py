"""The /v1 routes. Each declares its wire format and hands the raw body to the relay service."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
