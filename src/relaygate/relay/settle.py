"""Settlement of one relayed call: the real cost charged, the rest refunded, one log row queued."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from relaygate.auth.api_keys import ApiCaller
from relaygate.billing import pricing
from relaygate.billing.ledger import Settlement, consume_row
from relaygate.billing.pricing import Usage
from relaygate.db.models.log import LOG_TYPE_CONSUME, LOG_TYPE_ERROR
from relaygate.errors import RelayGateError
from relaygate.protocols.losses import LossReport
from relaygate.relay.context import RelayContext

if TYPE_CHECKING:
    from relaygate.relay.service import RelayService


def _who(caller: ApiCaller) -> dict[str, Any]:
    """The caller's columns of a log row."""
    return {
        "user_id": caller.user_id,
        "username": caller.entry.username,
        "token_id": caller.token_id,
        "token_name": caller.entry.token_name,
        "group": caller.group,
        "ip": caller.client_ip,
    }


async def settle(
    service: RelayService,
    ctx: RelayContext,
    losses: LossReport | None = None,
    error: RelayGateError | None = None,
) -> None:
    """Charge what the call cost (refunding the rest of the reservation) and queue its log row.

    The cost is ``ctx.fixed_quota`` when the endpoint prices per call, image or second;
    otherwise the usage (or, for a cut stream, the estimate) at the call's price.
    """
    caller = ctx.caller
    channel_id = ctx.channel.channel_id if ctx.channel else 0
    other: dict[str, Any] = {
        "request_path": ctx.path,
        "admin_info": {"use_channel": [str(c) for c in ctx.tried]},
        "frt": ctx.first_byte_ms,
    }
    if ctx.price is not None:
        other.update(ctx.price.as_log())
    if ctx.upstream_model and ctx.upstream_model != ctx.model:
        other["upstream_model_name"] = ctx.upstream_model
    if len(ctx.tried) > 1:
        other["retries"] = len(ctx.tried) - 1
    if losses:
        other["losses"] = losses.to_dict()
    other.update(ctx.log_other)
    usage = ctx.usage
    got_output = ctx.first_byte_ms > 0 and error is None
    if usage is None and got_output and ctx.stream:
        # cut stream: bill the prompt estimate and the text seen so far
        usage = Usage(ctx.prompt_estimate, ctx.estimated_completion_tokens)
        other["usage_estimated"] = True
    if error is None and ctx.fixed_quota is not None:
        usage = usage or Usage()
    if error is not None or usage is None or ctx.price is None:
        row = None
        if ctx.price is not None or error is not None:
            row = consume_row(
                **_who(caller),
                channel_id=channel_id,
                model=ctx.model,
                quota=0,
                prompt_tokens=0,
                completion_tokens=0,
                use_time=ctx.elapsed_seconds(),
                is_stream=ctx.stream,
                request_id=ctx.request_id,
                content=(error.message if error else ctx.error_message or "no usage")[:1000],
                other={**other, "status_code": error.status if error else 0},
                log_type=LOG_TYPE_ERROR,
            )
            if error is not None:
                error.logged = True
        await service.ledger.submit(
            Settlement(
                user_id=caller.user_id,
                token_id=caller.token_id,
                unlimited=caller.entry.unlimited_quota,
                channel_id=channel_id,
                reserved=ctx.reserved,
                actual=0,
                log_row=row,
                counts_request=False,
            )
        )
        return
    quota = (
        ctx.fixed_quota
        if ctx.fixed_quota is not None
        else pricing.quota_for_usage(usage, ctx.price)
    )
    if ctx.error_message:
        other["error"] = ctx.error_message[:500]
    if usage.cached_tokens:
        other["cache_tokens"] = usage.cached_tokens
    if usage.cache_write_tokens:
        other["cache_creation_tokens"] = usage.cache_write_tokens
    if usage.reasoning_tokens:
        other["reasoning_tokens"] = usage.reasoning_tokens
    options = service.runtime.options.current
    row = (
        consume_row(
            **_who(caller),
            channel_id=channel_id,
            model=ctx.model,
            quota=quota,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            use_time=ctx.elapsed_seconds(),
            is_stream=ctx.stream,
            request_id=ctx.request_id,
            content="",
            other=other,
            log_type=LOG_TYPE_CONSUME,
        )
        if options.log_consume
        else None
    )
    await service.ledger.submit(
        Settlement(
            user_id=caller.user_id,
            token_id=caller.token_id,
            unlimited=caller.entry.unlimited_quota,
            channel_id=channel_id,
            reserved=ctx.reserved,
            actual=quota,
            log_row=row,
        )
    )


async def record_refusal(
    service: RelayService,
    request_path: str,
    request_id: str,
    caller: Any,
    model: str,
    error: RelayGateError,
) -> None:
    """An error row for a call refused before any reservation (bad body, unknown model, …).

    Only for authenticated callers: a wrong key has no user to attribute the row to.
    """
    if error.logged:
        return
    error.logged = True
    row = consume_row(
        **_who(caller),
        channel_id=0,
        model=model,
        quota=0,
        prompt_tokens=0,
        completion_tokens=0,
        use_time=0,
        is_stream=False,
        request_id=request_id,
        content=error.message[:1000],
        other={
            "request_path": request_path,
            "status_code": error.status,
            "error_code": error.error_code,
        },
        log_type=LOG_TYPE_ERROR,
    )
    await service.ledger.submit(
        Settlement(
            user_id=caller.user_id,
            token_id=caller.token_id,
            unlimited=True,
            channel_id=0,
            reserved=0,
            actual=0,
            log_row=row,
            counts_request=False,
        )
    )
