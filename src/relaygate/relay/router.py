"""The /v1 routes. Each declares its wire format and hands the raw body to the relay service.

They are served by the fast lane (relay/lane.py), not by FastAPI's router: the relay path
needs none of FastAPI's dependency machinery, and skipping it halves per-request overhead.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from relaygate.auth.api_keys import ApiCaller, read_key
from relaygate.kit import clock, jsonx
from relaygate.kit.money import QUOTA_PER_UNIT
from relaygate.protocols.formats import WireFormat
from relaygate.relay.errors import FORMAT_SCOPE_KEY
from relaygate.relay.lane import Routes
from relaygate.relay.pipeline import ChatPipeline
from relaygate.relay.service import RelayService

routes = Routes()


def _service(request: Request) -> RelayService:
    service: RelayService = request.app.state.relay
    return service


async def _caller(request: Request, fmt: WireFormat) -> ApiCaller:
    request.scope[FORMAT_SCOPE_KEY] = fmt
    service = _service(request)
    raw = read_key(request.headers, request.query_params)
    client_ip = request.client.host if request.client else ""
    return await service.authenticate(raw, client_ip)


def _json(payload: Any, status_code: int = 200) -> Response:
    return Response(jsonx.dumps(payload), status_code=status_code, media_type="application/json")


@routes.post("/v1/chat/completions")
async def chat_completions(request: Request) -> Response:
    caller = await _caller(request, WireFormat.OPENAI_CHAT)
    body = await request.body()
    return await ChatPipeline(_service(request)).handle(request, caller, body)


@routes.get("/v1/models")
async def list_models(request: Request) -> Response:
    caller = await _caller(request, WireFormat.OPENAI_CHAT)
    models = _service(request).models_for(caller)
    return _json(
        {
            "object": "list",
            "data": [
                {"id": name, "object": "model", "created": 1626777600, "owned_by": "relaygate"}
                for name in models
            ],
        }
    )


async def _billing_amounts(request: Request) -> tuple[float, float]:
    """(remaining, used) in $ for the presented token, as new-api's dashboard routes compute."""
    from relaygate.db.models.token import Token
    from relaygate.db.models.user import User

    caller = await _caller(request, WireFormat.OPENAI_CHAT)
    service = _service(request)
    async with service.runtime.database.reader() as session:
        token = await session.get(Token, caller.token_id)
        user = await session.get(User, caller.user_id)
    if token is None or user is None:
        return 0.0, 0.0
    if token.unlimited_quota:
        remaining, used = user.quota, user.used_quota
    else:
        remaining, used = token.remain_quota, token.used_quota
    return float(remaining / QUOTA_PER_UNIT), float(used / QUOTA_PER_UNIT)


@routes.get("/v1/dashboard/billing/subscription", "/dashboard/billing/subscription")
async def billing_subscription(request: Request) -> Response:
    remaining, used = await _billing_amounts(request)
    limit = remaining + used
    return _json(
        {
            "object": "billing_subscription",
            "has_payment_method": True,
            "soft_limit_usd": limit,
            "hard_limit_usd": limit,
            "system_hard_limit_usd": limit,
            "access_until": clock.now() + 365 * 24 * 3600,
        }
    )


@routes.get("/v1/dashboard/billing/usage", "/dashboard/billing/usage")
async def billing_usage(request: Request) -> Response:
    _remaining, used = await _billing_amounts(request)
    return _json({"object": "list", "total_usage": used * 100})
