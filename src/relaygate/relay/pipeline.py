"""One /v1 call end to end: authenticate, price, reserve, select, send (with retries), relay, settle.

The client's wire format and the channel's may differ: the body is converted through the IR
only when they do (relay/convert.py). No retry happens after the first byte reached the
client; a stream that breaks later ends with an error event in the client's format and bills
what was seen. Every exit — success, upstream error, client gone — settles exactly once and
queues exactly one log row.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from relaygate.auth.api_keys import ApiCaller, check_model
from relaygate.billing import pricing
from relaygate.billing.ledger import Settlement, consume_row
from relaygate.billing.pricing import Usage
from relaygate.billing.usage import estimate_prompt_tokens
from relaygate.db.models.log import LOG_TYPE_CONSUME, LOG_TYPE_ERROR
from relaygate.errors import ModelNotFound, RelayGateError, UpstreamError
from relaygate.protocols.formats import WireFormat
from relaygate.protocols.losses import LossReport
from relaygate.providers.base import UpstreamCall
from relaygate.providers.registry import provider_for
from relaygate.providers.transport import UpstreamResponse
from relaygate.relay.context import RelayContext
from relaygate.relay.convert import client_stream, convert_json_response, upstream_body
from relaygate.relay.inbound import Inbound
from relaygate.relay.output import SSE_HEADERS, RelayResponse
from relaygate.routing import health, mapping

if TYPE_CHECKING:
    from relaygate.relay.service import RelayService

log = logging.getLogger(__name__)

_PASSED_HEADERS = ("anthropic-version", "anthropic-beta")


class RelayPipeline:
    """The generation pipeline shared by every client format."""

    def __init__(self, service: RelayService) -> None:
        self.service = service

    async def handle(self, request: Request, caller: ApiCaller, inbound: Inbound) -> Response:
        """Relay one parsed client request."""
        check_model(caller, inbound.model)
        ctx = RelayContext(
            fmt=inbound.fmt,
            caller=caller,
            model=inbound.model,
            stream=inbound.stream,
            request_id=request.scope.get("request_id", ""),
            path=request.scope["path"],
        )
        options = self.service.runtime.options.current
        if not self.service.routes_exist(caller, inbound.model):
            raise ModelNotFound(
                f"当前分组 {caller.group} 下对于模型 {inbound.model} 无可用渠道 "
                f"(no channel for model {inbound.model} in group {caller.group})"
            )
        ctx.price = pricing.price_for(options, inbound.model, caller.group)
        ctx.prompt_estimate = estimate_prompt_tokens(inbound.body)
        reserve = (
            inbound.max_tokens
            if inbound.max_tokens is not None
            else options.completion_reserve_tokens
        )
        ctx.reserved = pricing.reservation_for(ctx.price, ctx.prompt_estimate, reserve)
        await self.service.quota.reserve(
            user_id=caller.user_id,
            token_id=caller.token_id,
            unlimited=caller.entry.unlimited_quota,
            amount=ctx.reserved,
        )
        client_headers = {
            name: value for name in _PASSED_HEADERS if (value := request.headers.get(name))
        }
        losses = LossReport()
        try:
            upstream, upstream_fmt = await self._open_upstream(ctx, inbound, client_headers, losses)
        except RelayGateError as error:
            await self._settle(ctx, losses, error=error)
            raise
        except BaseException:
            await self._settle(ctx, losses, error=RelayGateError("request aborted"))
            raise
        headers = [(b"x-relaygate-losses", losses.header_value().encode())] if losses else []
        if inbound.stream:
            return self._stream_response(ctx, inbound, upstream, upstream_fmt, losses, headers)
        return await self._json_response(ctx, inbound, upstream, upstream_fmt, losses, headers)

    # -- upstream ---------------------------------------------------------------------

    async def _open_upstream(
        self,
        ctx: RelayContext,
        inbound: Inbound,
        client_headers: dict[str, str],
        losses: LossReport,
    ) -> tuple[UpstreamResponse, WireFormat]:
        service = self.service
        retries = 0 if ctx.caller.pinned_channel else service.runtime.options.current.retry_times
        last_error: UpstreamError | None = None
        for _attempt in range(retries + 1):
            target = service.pick_channel(ctx, exclude=ctx.tried)
            if target is None:
                break
            ctx.channel = target
            ctx.tried.append(target.channel_id)
            provider = provider_for(target.channel_type)
            upstream_fmt = provider.target_format(ctx.fmt)
            ctx.upstream_model = mapping.resolve(ctx.model, target.model_mapping)
            attempt_losses = LossReport()
            body, url_model = upstream_body(
                inbound, upstream_fmt, ctx.upstream_model, target, attempt_losses
            )
            call = UpstreamCall(upstream_fmt, url_model, body, ctx.stream, client_headers)
            request = await provider.build_request(target, call, service.transport)
            try:
                response = await service.send(request, target)
                if response.status >= 400:
                    raise await service.upstream_error(response, target, upstream_fmt)
            except UpstreamError as error:
                last_error = error
                await service.record_failure(target, error)
                if not health.is_retryable(error):
                    raise
                log.info(
                    "channel %s failed (%s %s); retrying",
                    target.channel_id,
                    error.status,
                    error.message,
                )
                continue
            losses.extend(attempt_losses)
            return response, upstream_fmt
        if last_error is not None:
            raise last_error
        raise ModelNotFound(
            f"当前分组 {ctx.caller.group} 下对于模型 {ctx.model} 无可用渠道 (no channel available)"
        )

    # -- client side ------------------------------------------------------------------

    async def _json_response(
        self,
        ctx: RelayContext,
        inbound: Inbound,
        upstream: UpstreamResponse,
        upstream_fmt: WireFormat,
        losses: LossReport,
        headers: list[tuple[bytes, bytes]],
    ) -> Response:
        try:
            raw = await upstream.read()
            ctx.mark_first_byte()
            try:
                body, ctx.usage = convert_json_response(
                    raw, upstream_fmt, inbound.fmt, inbound.model
                )
            except (ValueError, RelayGateError) as exc:
                raise UpstreamError(
                    f"upstream returned a body that could not be read: {exc}", status_code=502
                ) from exc
            ctx.completed = True
        except RelayGateError as error:
            await self._settle(ctx, losses, error=error)
            raise
        await self._settle(ctx, losses)
        response = Response(body, status_code=200, media_type="application/json")
        for name, value in headers:
            response.headers[name.decode()] = value.decode()
        return response

    def _stream_response(
        self,
        ctx: RelayContext,
        inbound: Inbound,
        upstream: UpstreamResponse,
        upstream_fmt: WireFormat,
        losses: LossReport,
        headers: list[tuple[bytes, bytes]],
    ) -> Response:
        assert ctx.channel is not None
        transform = provider_for(ctx.channel.channel_type).stream_transform(ctx.channel)
        relay = client_stream(inbound, upstream_fmt, transform)

        async def chunks() -> AsyncIterator[bytes]:
            try:
                async for chunk in upstream.iter_chunks():
                    ctx.mark_first_byte()
                    frames = relay.feed(chunk)
                    if frames:
                        yield frames
                tail = relay.finish()
                if tail:
                    yield tail
                ctx.completed = relay.done or relay.usage is not None
            except RelayGateError as error:
                ctx.error_message = error.message
                yield relay.fail(error)

        async def on_close(client_gone: bool) -> None:
            upstream.close()
            ctx.usage = relay.usage
            ctx.estimated_completion_tokens = relay.estimated_completion
            if client_gone and not ctx.completed:
                ctx.error_message = ctx.error_message or "client disconnected"
            await self._settle(ctx, losses)

        media = (
            b"application/json"
            if inbound.fmt == WireFormat.GEMINI and not inbound.gemini_sse
            else None
        )
        base = [(k, media) if media and k == b"content-type" else (k, v) for k, v in SSE_HEADERS]
        return RelayResponse(chunks(), headers=base + headers, on_close=on_close)

    # -- settlement -------------------------------------------------------------------

    async def _settle(
        self, ctx: RelayContext, losses: LossReport, error: RelayGateError | None = None
    ) -> None:
        """Charge what the call cost (refunding the rest) and queue its log row."""
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
        usage = ctx.usage
        got_output = ctx.first_byte_ms > 0 and error is None
        if usage is None and got_output and ctx.stream:
            # cut stream: bill the prompt estimate and the text seen so far
            usage = Usage(ctx.prompt_estimate, ctx.estimated_completion_tokens)
            other["usage_estimated"] = True
        if error is not None or usage is None or ctx.price is None:
            row = None
            if ctx.price is not None or error is not None:
                row = consume_row(
                    user_id=caller.user_id,
                    username=caller.entry.username,
                    token_id=caller.token_id,
                    token_name=caller.entry.token_name,
                    channel_id=channel_id,
                    model=ctx.model,
                    quota=0,
                    prompt_tokens=0,
                    completion_tokens=0,
                    use_time=ctx.elapsed_seconds(),
                    is_stream=ctx.stream,
                    group=caller.group,
                    ip=caller.client_ip,
                    request_id=ctx.request_id,
                    content=(error.message if error else ctx.error_message or "no usage")[:1000],
                    other={**other, "status_code": error.status if error else 0},
                    log_type=LOG_TYPE_ERROR,
                )
            await self.service.ledger.submit(
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
        quota = pricing.quota_for_usage(usage, ctx.price)
        if ctx.error_message:
            other["error"] = ctx.error_message[:500]
        if usage.cached_tokens:
            other["cache_tokens"] = usage.cached_tokens
        if usage.cache_write_tokens:
            other["cache_creation_tokens"] = usage.cache_write_tokens
        if usage.reasoning_tokens:
            other["reasoning_tokens"] = usage.reasoning_tokens
        options = self.service.runtime.options.current
        row = (
            consume_row(
                user_id=caller.user_id,
                username=caller.entry.username,
                token_id=caller.token_id,
                token_name=caller.entry.token_name,
                channel_id=channel_id,
                model=ctx.model,
                quota=quota,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                use_time=ctx.elapsed_seconds(),
                is_stream=ctx.stream,
                group=caller.group,
                ip=caller.client_ip,
                request_id=ctx.request_id,
                content="",
                other=other,
                log_type=LOG_TYPE_CONSUME,
            )
            if options.log_consume
            else None
        )
        await self.service.ledger.submit(
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
