"""The attempt loop: pick a channel, build its request, send; on a retryable failure try another.

A retry never revisits a channel this call already tried, and drops to the next priority tier
when a tier is exhausted. Channel health (auto-disable) is recorded on every failure.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from relaygate.errors import ModelNotFound, UpstreamError
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelTarget, UpstreamRequest
from relaygate.providers.transport import UpstreamResponse
from relaygate.relay.context import RelayContext
from relaygate.routing import health, mapping

if TYPE_CHECKING:
    from relaygate.relay.service import RelayService

log = logging.getLogger(__name__)

Build = Callable[[ChannelTarget], Awaitable[tuple[UpstreamRequest, WireFormat]]]
"""Builds the request for one channel; returns it with the format its errors come in."""


async def open_upstream(
    service: RelayService,
    ctx: RelayContext,
    build: Build,
    *,
    supports: Callable[[ChannelTarget], bool] | None = None,
) -> tuple[UpstreamResponse, ChannelTarget]:
    """The first successful upstream answer (status < 400), or the last error.

    ``supports`` leaves out channels that cannot serve this endpoint at all.
    """
    retries = 0 if ctx.caller.pinned_channel else service.runtime.options.current.retry_times
    unsupported = (
        [t.channel_id for t in service.candidates(ctx) if not supports(t)] if supports else []
    )
    last_error: UpstreamError | None = None
    for _attempt in range(retries + 1):
        target = service.pick_channel(ctx, exclude=[*ctx.tried, *unsupported])
        if target is None:
            break
        ctx.channel = target
        ctx.tried.append(target.channel_id)
        ctx.upstream_model = mapping.resolve(ctx.model, target.model_mapping)
        try:
            request, error_fmt = await build(target)
            response = await service.send(request, target)
            if response.status >= 400:
                raise await service.upstream_error(response, target, error_fmt)
        except UpstreamError as error:
            last_error = error
            await service.record_failure(target, error, ctx.key_index)
            if not health.is_retryable(error):
                raise
            log.info(
                "channel %s failed (%s %s); retrying",
                target.channel_id,
                error.status,
                error.message,
            )
            continue
        return response, target
    if last_error is not None:
        raise last_error
    if unsupported:
        raise ModelNotFound(
            f"no channel for model {ctx.model} serves {ctx.path}", code="endpoint_not_supported"
        )
    raise ModelNotFound(
        f"当前分组 {ctx.caller.group} 下对于模型 {ctx.model} 无可用渠道 (no channel available)"
    )
