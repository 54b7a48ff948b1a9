"""/api routes of the auth domain: 2FA, passkeys, secure verification, OAuth and custom providers.

They are mounted before ``users.router`` because ``/api/user/{user_id}`` would swallow
``/api/user/passkey`` and ``/api/user/2fa/stats``.
"""

from __future__ import annotations

from fastapi import APIRouter

from relaygate.auth.routes.oauth import router as oauth_router
from relaygate.auth.routes.passkey import router as passkey_router
from relaygate.auth.routes.twofa import router as twofa_router
from relaygate.auth.routes.verify import router as verify_router

AUTH_ROUTERS: list[APIRouter] = [twofa_router, passkey_router, verify_router, oauth_router]

__all__ = ["AUTH_ROUTERS"]
