"""Admission of one /v1 call: model allowed, some channel serves it, priced, quota reserved."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection

from relaygate.auth.api_keys import ApiCaller, check_model
from relaygate.billing import pricing
from relaygate.errors import ModelNotFound
from relaygate.kit.ids import new_request_id
from relaygate.protocols.formats import WireFormat
from relaygate.relay.context import RelayContext

if TYPE_CHECKING:
    from relaygate.relay.service import RelayService


def admit(
    service: RelayService,
    connection: HTTPConnection,
    caller: ApiCaller,
    *,
    fmt: WireFormat,
    model: str,
    stream: bool,
) -> RelayContext:
    """A context for the call (HTTP or websocket), priced; raises the client-facing refusal otherwise."""
    check_model(caller, model)
    if not service.routes_exist(caller, model):
        raise ModelNotFound(
            f"当前分组 {caller.group} 下对于模型 {model} 无可用渠道 "
            f"(no channel for model {model} in group {caller.group})"
        )
    ctx = RelayContext(
        fmt=fmt,
        caller=caller,
        model=model,
        stream=stream,
        # websockets skip RequestIdMiddleware, so they get their id here
        request_id=str(connection.scope.get("request_id") or new_request_id()),
        path=connection.scope["path"],
    )
    ctx.price = pricing.price_for(service.runtime.options.current, model, caller.group)
    return ctx


async def reserve(service: RelayService, ctx: RelayContext, amount: int) -> None:
    """Pre-charge ``amount`` from token and user (one conditional UPDATE each)."""
    ctx.reserved = max(0, amount)
    caller = ctx.caller
    await service.quota.reserve(
        user_id=caller.user_id,
        token_id=caller.token_id,
        unlimited=caller.entry.unlimited_quota,
        amount=ctx.reserved,
    )


def token_reservation(ctx: RelayContext, prompt_tokens: int, completion_tokens: int) -> int:
    """The pre-charge for a token-priced call (or the fixed price of a per-call model)."""
    assert ctx.price is not None
    ctx.prompt_estimate = prompt_tokens
    return pricing.reservation_for(ctx.price, prompt_tokens, completion_tokens)
