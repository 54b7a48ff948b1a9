"""The /api routers, in the order they are mounted. One line per management domain."""

from __future__ import annotations

from fastapi import APIRouter

from relaygate.accounts.router import router as accounts_router
from relaygate.auth.routes import AUTH_ROUTERS
from relaygate.catalog.router import router as catalog_router
from relaygate.channels.router import router as channels_router
from relaygate.logs.router import router as logs_router
from relaygate.misc.router import router as misc_router
from relaygate.options.router import router as options_router
from relaygate.payments.router import router as payments_router
from relaygate.payments.router import webhooks as payment_webhooks_router
from relaygate.redemptions.router import router as redemptions_router
from relaygate.redemptions.router import user_router as redeem_router
from relaygate.stats.router import router as stats_router
from relaygate.subscriptions.router import router as subscriptions_router
from relaygate.tasks_admin.router import router as tasks_router
from relaygate.tokens.router import router as tokens_router
from relaygate.tokens.router_usage import router as token_usage_router
from relaygate.users.router import router as users_router

API_ROUTERS: list[APIRouter] = [
    misc_router,
    *AUTH_ROUTERS,  # before users: /api/user/{user_id} would shadow /api/user/passkey
    accounts_router,  # before users too: /api/user/aff, /checkin, /groups, DELETE /self
    payments_router,  # before users: GET /api/user/topup is not /api/user/{user_id}
    redeem_router,
    catalog_router,  # before users: GET /api/user/models is not /api/user/{user_id}
    users_router,
    tokens_router,
    token_usage_router,  # key-authenticated: /api/usage/token/, /api/log/token
    channels_router,
    options_router,
    logs_router,
    redemptions_router,
    payment_webhooks_router,
    stats_router,
    subscriptions_router,
    tasks_router,
]
