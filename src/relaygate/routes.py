"""The /api routers, in the order they are mounted. One line per management domain."""

from __future__ import annotations

from fastapi import APIRouter

from relaygate.auth.routes import AUTH_ROUTERS
from relaygate.channels.router import router as channels_router
from relaygate.logs.router import router as logs_router
from relaygate.misc.router import router as misc_router
from relaygate.options.router import router as options_router
from relaygate.tokens.router import router as tokens_router
from relaygate.users.router import router as users_router

API_ROUTERS: list[APIRouter] = [
    misc_router,
    *AUTH_ROUTERS,  # before users: /api/user/{user_id} would shadow /api/user/passkey
    users_router,
    tokens_router,
    channels_router,
    options_router,
    logs_router,
]
