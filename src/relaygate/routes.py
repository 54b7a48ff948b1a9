"""The /api routers, in the order they are mounted. One line per management domain."""

from __future__ import annotations

from fastapi import APIRouter

API_ROUTERS: list[APIRouter] = []
